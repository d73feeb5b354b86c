"""The connections scenario: many idle sockets on one daphne process, and how they come back.

    python bench/connections.py --sizes 1000,5000,10000

For each size N, signed-in readers of one public board hold N sockets on one daphne process
running the real app, with its channel layer on a real redis-server. Measured:

1. Memory: the server's RSS after a warm-up with no socket, then with the N sockets open and
   idle (each has its hello): MB in all and KB per socket. Target: 10,000 under 1 GB, 60 KB
   each.
2. Redis restart: Redis is stopped, an editor creates a card, Redis starts again on the same
   port and the editor creates another. The editor is on a second daphne process, as in a
   deployment of several, so that its events reach the readers' process only through Redis or,
   when the publish is lost, through the hub's reading of the stream heads. Time from each op
   until every reader has its event (live, or replayed after resuming on a hole). Target: 5 s.
3. Reconnect storm: the server is killed and a new one started on the same port at once; the
   clients come back as realtime.js does (backoff with full jitter, resume with
   ?since=&epoch=&ticket=). Time from the kill until every client has its hello again, and the p50 /
   p99 of each client's time. Target: all back within 30 s. Last, as it may not end well.

Progress goes to stderr; the last line of stdout is one JSON object. Linux only (RSS is read
from /proc). bench/run.py can call `run(sizes)` and print `table(result)`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from websockets.exceptions import WebSocketException

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import open_socket, percentile  # noqa: E402
from bench.run import free_port, prepare, server_command, serving, wait_port  # noqa: E402
from tools.servers import RedisServer  # noqa: E402

WORKERS = 2  # client processes, so that no one client loop sets the pace for 10,000 sockets
# Sockets waiting for their first hello at a time (all workers together): daphne listens with
# Twisted's backlog of 50, and a fuller backlog drops connections (retried a second later).
WINDOW = 50
SETTLE = 3.0  # seconds for presence and send buffers to settle before reading the RSS
WARM_UP_SOCKETS = 20
TERM_GRACE = 5.0  # seconds daphne gets to exit on SIGTERM before SIGKILL
OPEN_TIMEOUT = 600.0
BACK_TIMEOUT = 120.0
EVENT_TIMEOUT = 30.0
REDIS_DOWN = 1.0  # seconds Redis stays stopped, about what a service manager's restart takes
# Full jitter, as realtime.js: the delay before attempt n is drawn from
# (0, min(cap, first * 2**n)).
BACKOFF_FIRST = 0.5
BACKOFF_CAP = 15.0
CLOSE_TOO_SLOW = 4008  # the server dropped a slow socket: resume at once, once in 5 s
HELLO = '{"type":"hello"'
TICKET = '{"type":"ticket"'
EVENT = '{"type":"event"'


class Client:
    """One reader's browser tab, as static/js/realtime.js behaves: resume from its seq and
    epoch, back off between failed attempts, reconnect at once on a hole in seq.

    `hello_at` and `ops` (op id → arrival) are monotonic times, comparable across processes.
    """

    def __init__(self, url: str, origin: str, session: str) -> None:
        self.url, self.origin, self.session = url, origin, session
        self.seq: int | None = None
        self.epoch = ""
        self.ticket = ""  # the resume ticket of the last hello
        self.attempt = 0
        self.quick_retry_at = 0.0
        self.hello_at = 0.0
        self.helloed = asyncio.Event()
        self.ops: dict[str, float] = {}
        self.resyncs = 0
        # Each attempt: when it began, how it ended ("open", "refused", "timeout"…) and how
        # long that took (TCP and handshake): what a storm spends its time on.
        self.attempts: list[tuple[float, str, float]] = []
        self.task: asyncio.Task | None = None  # held here: the loop only holds weak references

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        while True:
            began = time.monotonic()
            try:
                socket = await open_socket(self._url(), self.origin, self.session)
            except (OSError, TimeoutError, WebSocketException) as error:
                self.attempts.append((began, failure_kind(error), time.monotonic() - began))
                socket = None
            else:
                self.attempts.append((began, "open", time.monotonic() - began))
            if socket is None or not await self._read(socket):
                await asyncio.sleep(self._backoff())

    def _url(self) -> str:
        if self.seq is None:
            return self.url
        query = {"since": self.seq, "epoch": self.epoch}
        if self.ticket:
            query["ticket"] = self.ticket
        return f"{self.url}?{urlencode(query)}"

    def _backoff(self) -> float:
        ceiling = min(BACKOFF_CAP, BACKOFF_FIRST * 2**self.attempt)
        self.attempt += 1
        return random.uniform(0, ceiling)

    async def _read(self, socket) -> bool:
        """Read until the socket closes; True if the client must resume at once."""
        helloed = self.hello_at
        try:
            async for text in socket:
                if not self._receive(text):
                    self.resyncs += 1
                    await socket.close(4000)
                    return True
        except WebSocketException:
            pass
        now = time.monotonic()
        if self.hello_at == helloed:
            self.attempts.append((now, f"closed before hello ({socket.close_code})", 0.0))
        if socket.close_code == CLOSE_TOO_SLOW and now - self.quick_retry_at > 5:
            self.quick_retry_at = now
            return True
        return False

    def _receive(self, text: str) -> bool:
        """Apply a message: one frame, or the frames that piled up as an array. False on a
        hole in seq. Signals (presence) are skipped unparsed: at 10,000 sockets they are most
        of what arrives."""
        if text.startswith("["):
            frames = json.loads(text)
        elif text.startswith((HELLO, EVENT, TICKET)):
            frames = [json.loads(text)]
        else:
            return True
        for frame in frames:
            if frame["type"] == "hello":
                self._hello(frame)
            elif frame["type"] == "event" and not self._event(frame):
                return False
            elif frame["type"] == "ticket":
                self.ticket = frame["ticket"]
        return True

    def _hello(self, hello: dict) -> None:
        resumed = hello.get("replay") and self.seq is not None and hello["epoch"] == self.epoch
        self.epoch = hello["epoch"]
        self.ticket = hello.get("ticket", "")
        if not resumed:
            self.seq = hello["seq"]
        self.attempt = 0
        self.hello_at = time.monotonic()
        self.helloed.set()

    def _event(self, event: dict) -> bool:
        """Apply an event in seq order; False on a hole."""
        seq = event["seq"]
        if self.seq is None or seq <= self.seq:
            return True
        if seq != self.seq + 1:
            return False
        self.seq = seq
        if event.get("op"):
            self.ops[event["op"]] = time.monotonic()
        return True


def failure_kind(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, TimeoutError):
        return "timeout"
    return type(error).__name__


async def wait_all(
    clients: list[Client], stamp: Callable[[Client], float], after: float, timeout: float
) -> list[float | None]:
    """Wait until every client's `stamp` is later than `after`, or `timeout` after it; each
    client's delay since `after`, None for those still waiting."""
    deadline = after + timeout
    while time.monotonic() < deadline and any(stamp(c) <= after for c in clients):
        await asyncio.sleep(0.05)
    return [stamp(c) - after if stamp(c) > after else None for c in clients]


async def open_gradually(clients: list[Client], window: int, timeout: float) -> list[float | None]:
    """Start the clients, at most `window` of them waiting for their first hello at a time;
    each one's delay until its hello (None if it had none within `timeout`)."""
    started = time.monotonic()
    gate = asyncio.Semaphore(window)

    async def start(client: Client) -> None:
        async with gate:
            client.start()
            await client.helloed.wait()

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*map(start, clients)), timeout)
    return [c.hello_at - started if c.hello_at else None for c in clients]


async def serve_commands(conn, clients: list[Client]) -> None:
    """A client process: run the coordinator's commands, reply (delays, resyncs) to each."""
    loop = asyncio.get_running_loop()
    while True:
        command, *args = await loop.run_in_executor(None, conn.recv)
        if command == "attempts":  # (after,): the attempts begun since
            (after,) = args
            conn.send([a for c in clients for a in c.attempts if a[0] > after])
            continue
        if command == "open":  # (window, timeout)
            delays = await open_gradually(clients, *args)
        elif command == "hello":  # (after, timeout): every client has a hello after `after`
            delays = await wait_all(clients, lambda c: c.hello_at, *args)
        else:  # "event" (op, after, timeout): every client has the op's event
            op, after, timeout = args
            delays = await wait_all(clients, lambda c, op=op: c.ops.get(op, 0.0), after, timeout)
        conn.send((delays, sum(c.resyncs for c in clients)))


def client_process(conn, url: str, origin: str, sessions: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the coordinator terminates us
    asyncio.run(serve_commands(conn, [Client(url, origin, s) for s in sessions]))


class Readers:
    """The reader sockets, spread over WORKERS client processes."""

    def __init__(self, url: str, origin: str, sessions: list[str]) -> None:
        context = multiprocessing.get_context("fork")
        self.pipes, self.processes = [], []
        for i in range(WORKERS):
            parent, child = context.Pipe()
            process = context.Process(
                target=client_process, args=(child, url, origin, sessions[i::WORKERS]), daemon=True
            )
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)

    def ask(self, *command) -> tuple[list[float | None], int]:
        """Send a command to every client process: all clients' delays, and resyncs so far."""
        for pipe in self.pipes:
            pipe.send(command)
        replies = [pipe.recv() for pipe in self.pipes]
        return [d for delays, _ in replies for d in delays], sum(r for _, r in replies)

    def attempts(self, after: float) -> tuple[dict[str, int], list[float]]:
        """The attempts begun after `after`: how many ended each way other than open, and
        how long each open one took to connect."""
        for pipe in self.pipes:
            pipe.send(("attempts", after))
        failures: dict[str, int] = {}
        connects: list[float] = []
        for pipe in self.pipes:
            for _began, outcome, seconds in pipe.recv():
                if outcome == "open":
                    connects.append(seconds)
                else:
                    failures[outcome] = failures.get(outcome, 0) + 1
        return failures, connects

    def close(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.join()


class AppServer:
    """The app under daphne on a fixed port, so that a new process can take over the port."""

    def __init__(self, env: dict, server: str = "daphne") -> None:
        self.env = env
        self.target = "app" if server == "daphne" else server
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            server_command(self.target, self.port),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port, self.process, timeout=60)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within TERM_GRACE."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(TERM_GRACE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS in /proc/<pid>/status")


def raise_open_files_limit() -> int:
    """Raise this process's soft limit on open files to the hard one (the servers and client
    processes started from here inherit it); return it."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def log(message: str) -> None:
    print(f"  connections: {message}", file=sys.stderr, flush=True)


def board_url(port: int, seed: dict) -> tuple[str, str]:
    """The board's socket URL on a server, and the Origin its page would send."""
    return f"ws://127.0.0.1:{port}/ws/boards/{seed['board']}/", f"http://127.0.0.1:{port}"


async def warm_up(url: str, origin: str, sessions: list[str]) -> None:
    """A few sockets opened and closed: the app, its hub and its database connection loaded."""
    sockets = await asyncio.gather(*(open_socket(url, origin, s) for s in sessions))
    for socket in sockets:
        await socket.recv()  # hello
        await socket.close()


def spread(delays: list[float | None]) -> dict:
    """The time until all were done, p50 and p99 of each one's time, and how many never were."""
    done = [d for d in delays if d is not None]
    return {
        "all": round(max(done), 2) if len(done) == len(delays) else None,
        "p50": round(percentile(done, 0.50), 2) if done else None,
        "p99": round(percentile(done, 0.99), 2) if done else None,
        "missing": len(delays) - len(done),
    }


def memory(server: AppServer, readers: Readers, sockets: int) -> dict:
    """RSS with no socket (after the warm-up), then with every socket open, idle, and helloed."""
    time.sleep(SETTLE)
    idle = server.rss_mb()
    started = time.monotonic()
    delays, _ = readers.ask("open", max(1, WINDOW // WORKERS), OPEN_TIMEOUT)
    opened = time.monotonic() - started
    if None in delays:
        raise RuntimeError(f"only {len(delays) - delays.count(None)} of {sockets} sockets opened")
    time.sleep(SETTLE)
    rss = server.rss_mb()
    log(f"{sockets} sockets open in {opened:.1f} s, RSS {idle:.0f} → {rss:.0f} MB")
    return {
        "rss_idle_mb": round(idle, 1),
        "rss_mb": round(rss, 1),
        "kb_per_socket": round((rss - idle) * 1024 / sockets, 1),
        "open_seconds": round(opened, 2),
    }


def reconnect_storm(server: AppServer, readers: Readers) -> dict:
    """Kill the server, start a new one on the same port at once: time until all are back."""
    killed = time.monotonic()
    server.stop()
    server.start()
    listening = time.monotonic() - killed
    delays, resyncs = readers.ask("hello", killed, BACK_TIMEOUT)
    back = spread(delays)
    failed, connects = readers.attempts(killed)
    log(f"new server listening after {listening:.1f} s, all back after {back['all']} s")
    log(f"failed attempts in the storm: {failed or 'none'}")
    time.sleep(SETTLE)
    return {
        "server_down_seconds": round(listening, 2),
        "reconnect_all_seconds": back["all"],
        "reconnect_p50_s": back["p50"],
        "reconnect_p99_s": back["p99"],
        "not_back": back["missing"],
        "rss_after_storm_mb": round(server.rss_mb(), 1),
        "resyncs": resyncs,  # clients that saw a hole in seq and resumed, in the whole run
        "failed_attempts": failed,  # by how they ended, from the kill until all were back
        "connect_p50_s": round(percentile(connects, 0.50), 3) if connects else None,
        "connect_p99_s": round(percentile(connects, 0.99), 3) if connects else None,
    }


async def create_card(editor, column: int) -> tuple[str, float]:
    """Send a card.create op and wait for its ack: the op's id and when it was sent."""
    op = f"connections-{time.time_ns()}"
    sent = time.monotonic()
    data = {"column": column, "text": "Pendant le redémarrage de Redis"}
    await editor.send(json.dumps({"op": "card.create", "id": op, "data": data}))
    while True:
        message = json.loads(await editor.recv())
        for frame in message if isinstance(message, list) else [message]:
            if frame.get("id") == op and frame["type"] in ("ack", "error"):
                if frame["type"] == "error":
                    raise RuntimeError(f"the editor's op was refused: {frame}")
                return op, sent


async def connect_editor(url: str, origin: str, session: str, attempts: int = 3):
    """The editor's socket, once it has its hello. A refused handshake (seen once: the fresh
    server answered 500) is logged and tried again a second later, as a browser would."""
    for attempt in range(1, attempts + 1):
        try:
            editor = await open_socket(url, origin, session)
            await editor.recv()  # hello
            return editor
        except WebSocketException as exc:
            if attempt == attempts:
                raise
            log(f"the editor could not connect ({exc}): again in 1 s")
            await asyncio.sleep(1)


async def ops_across_redis_restart(redis: RedisServer, url: str, origin: str, seed: dict):
    """An editor creates a card while Redis is down, and another as soon as it is back: each
    op's id and sending time."""
    editor = await connect_editor(url, origin, seed["editors"][0])
    try:
        await asyncio.to_thread(redis.stop)
        stopped = time.monotonic()
        while_down = await create_card(editor, seed["column"])
        await asyncio.sleep(stopped + REDIS_DOWN - time.monotonic())
        await asyncio.to_thread(redis.start)
        once_back = await create_card(editor, seed["column"])
    finally:
        await editor.close()
    return while_down, once_back


def redis_restart(redis: RedisServer, env: dict, seed: dict, readers: Readers) -> dict:
    """Time until every reader has the card created while Redis was down, and the one created
    right after it came back."""
    with serving("app", env) as (port,):
        while_down, once_back = asyncio.run(
            ops_across_redis_restart(redis, *board_url(port, seed), seed)
        )
    down = spread(readers.ask("event", *while_down, EVENT_TIMEOUT)[0])
    back = spread(readers.ask("event", *once_back, EVENT_TIMEOUT)[0])
    log(f"Redis restart: all readers have the events after {down['all']} s and {back['all']} s")
    return {
        "redis_restart_all_seconds": down["all"],
        "redis_back_all_seconds": back["all"],
        "lost": down["missing"] + back["missing"],
    }


def measure(sockets: int, env: dict, seed: dict, redis: RedisServer, server: str) -> dict:
    """The three measures for one number of sockets, on a server of its own."""
    with contextlib.ExitStack() as cleanup:
        server = AppServer(env, server)
        cleanup.callback(server.stop)
        server.start()
        url, origin = board_url(server.port, seed)
        asyncio.run(warm_up(url, origin, seed["readers"][:WARM_UP_SOCKETS]))
        readers = Readers(url, origin, seed["readers"][:sockets])
        cleanup.callback(readers.close)
        return {
            "sockets": sockets,
            **memory(server, readers, sockets),
            **redis_restart(redis, env, seed, readers),
            **reconnect_storm(server, readers),
        }


def run(sizes: list[int], server: str = "daphne") -> dict:
    """Seed one board with max(sizes) readers, start Redis, and measure each size in turn."""
    limit = raise_open_files_limit()
    if max(sizes) + 100 > limit:
        raise RuntimeError(f"{max(sizes)} sockets need more open files than the limit ({limit})")
    with contextlib.ExitStack() as cleanup:
        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="fe-conn-")))
        log(f"seeding {max(sizes)} readers")
        env, boards = prepare(workdir, max(sizes), 1)
        seed = json.loads(boards.new().read_text())
        redis = RedisServer()
        cleanup.callback(redis.stop)
        redis.start()
        env = {**env, "REDIS_URL": redis.url}
        measures = [measure(n, env, seed, redis, server) for n in sizes]
        return {"server": server, "connections": measures}


def table(result: dict) -> str:
    """The result of `run` as a Markdown table, one row per size."""
    lines = [
        "| sockets | RSS idle → open (MB) | KB/socket | open (s) "
        "| Redis restart: all have the op (s) | lost | server down (s) | all back (s) "
        "| back p50 / p99 (s) | not back |",
        "| ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in result["connections"]:
        lines.append(
            f"| {r['sockets']:,} | {r['rss_idle_mb']} → {r['rss_mb']} | {r['kb_per_socket']} "
            f"| {r['open_seconds']} | {r['redis_restart_all_seconds']} (while down), "
            f"{r['redis_back_all_seconds']} (once back) | {r['lost']} "
            f"| {r['server_down_seconds']} | {r['reconnect_all_seconds']} "
            f"| {r['reconnect_p50_s']} / {r['reconnect_p99_s']} | {r['not_back']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000", help="numbers of sockets, by ,")
    parser.add_argument("--server", choices=("daphne", "uvicorn"), default="daphne")
    args = parser.parse_args()
    result = run([int(size) for size in args.sizes.split(",")], args.server)
    print(table(result), file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
