"""The load generator: real sockets, in a process of its own, against a running server.

    python bench/loadgen.py --ws ws://127.0.0.1:8000 --seed seed.json --clients 500 \
        --editors 10 --burst 200

Readers and editors sign in with the session keys of `bench/seed.py`, and connect through
`bench.lean_socket` (a client cheap enough for 25,000 frames a second). Editors send
`card.create` ops (each one event of ~300 bytes for everyone); every reader records when each
op's event arrives and checks that its seqs have no hole and no repeat. Two modes:
--burst K: K ops sent at once (within each editor's rate limit), timed until every reader has
them all: deliveries per second. --rate R --duration D: R ops a second for D seconds:
latency from the op's sending to the last reader getting it.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import statistics
import sys
import time
from functools import partial
from pathlib import Path

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lean_socket import LeanSocket

# Frames from json.dumps with or without spaces (the tutorial reference keeps the defaults).
OP_ID = re.compile(r'"op": ?"([^"]+)"')
SEQ = re.compile(r'"seq": ?(\d+)')
KIND = re.compile(r'^\{"type": ?"([\w.]+)"')


class Reader:
    def __init__(self, stats: Stats):
        self.stats = stats
        self.last_seq: int | None = None
        self.hello_parts: list[str] = []

    def on_message(self, text: str, now: float) -> None:
        if text.startswith("["):  # frames that piled up, sent as one array
            for frame in json.loads(text):
                self.on_frame(frame.get("type"), frame.get("seq"), frame.get("op"), now)
            return
        kind = KIND.match(text)
        if kind is None:
            return
        if kind.group(1) == "hello.part":  # a hello too big for one message, as realtime.js
            part = json.loads(text)
            self.hello_parts = [] if part["part"] == 0 else self.hello_parts
            self.hello_parts.append(part["data"])
            if len(self.hello_parts) == part["parts"]:
                self.on_message("".join(self.hello_parts), now)
            return
        seq, op = SEQ.search(text), OP_ID.search(text)
        self.on_frame(kind.group(1), seq and int(seq.group(1)), op and op.group(1), now)

    def on_frame(self, kind: str, seq: int | None, op: str | None, now: float) -> None:
        if kind == "hello":
            self.last_seq = seq
            self.stats.hellos += 1
        if kind != "event":
            return
        if self.last_seq is not None:
            if seq <= self.last_seq:
                self.stats.duplicates += 1
                return
            if seq != self.last_seq + 1:
                self.stats.holes += seq - self.last_seq - 1
        self.last_seq = seq
        if op:
            self.stats.arrived(op, now)


class Stats:
    def __init__(self) -> None:
        self.sent_at: dict[str, float] = {}
        self.acked_at: dict[str, float] = {}
        self.count: dict[str, int] = {}
        self.last_at: dict[str, float] = {}
        self.deliveries = 0
        self.duplicates = 0
        self.holes = 0
        self.closed: list[int] = []
        self.errors: dict[str, int] = {}
        self.done = asyncio.Event()
        self.expected = 0
        self.hellos = 0  # sockets that have had their hello (readers and editors)

    def arrived(self, op: str, now: float) -> None:
        self.deliveries += 1
        self.count[op] = self.count.get(op, 0) + 1
        self.last_at[op] = now
        if self.expected and self.deliveries >= self.expected:
            self.done.set()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def open_socket(url: str, origin: str, session: str | None):
    headers = {"Cookie": f"sessionid={session}"} if session else {}
    return await connect(
        url,
        origin=origin,
        additional_headers=headers,
        max_queue=None,
        max_size=None,  # a board that grew over many runs has a big hello
        compression=None,
        open_timeout=60,
        ping_interval=None,
    )


def on_ack(stats: Stats, message: str, now: float) -> None:
    """An editor's socket: its hello, its acks and errors (the events are the readers')."""
    parsed = json.loads(message)
    for frame in parsed if isinstance(parsed, list) else [parsed]:
        if frame["type"] == "hello":
            stats.hellos += 1
        elif frame["type"] == "ack":
            stats.acked_at[frame["id"]] = now
        elif frame["type"] == "error":
            stats.errors[frame["code"]] = stats.errors.get(frame["code"], 0) + 1


async def run(args) -> dict:
    seed = {"readers": [], "editors": []}
    if args.seed:
        with open(args.seed) as seed_file:
            seed = json.load(seed_file)
    # Several servers (processes behind one Redis): sockets and editors spread over them.
    bases = [base.rstrip("/") for base in args.ws.split(",")]
    path = f"/ws/boards/{seed.get('board', 1)}/"

    def server(i: int) -> tuple[str, str]:
        base = bases[i % len(bases)]
        return base + path, base.replace("ws://", "http://")

    stats = Stats()
    readers_sessions = seed["readers"] or [None] * args.clients
    sockets = []
    started = time.perf_counter()
    for start in range(0, args.clients, 50):  # connect in waves, as a room fills up
        batch = [
            LeanSocket.open(
                *server(i), readers_sessions[i % len(readers_sessions)], Reader(stats).on_message
            )
            for i in range(start, min(args.clients, start + 50))
        ]
        sockets += await asyncio.gather(*batch)
    connect_seconds = time.perf_counter() - started
    editor_sessions = seed["editors"] or [None] * args.editors
    editors = [
        await LeanSocket.open(
            *server(i), editor_sessions[i % len(editor_sessions)], partial(on_ack, stats)
        )
        for i in range(args.editors)
    ]
    # Every socket has had its hello (the server is through the room's arrival), then
    # presence settles.
    async with asyncio.timeout(args.timeout):
        while stats.hellos < args.clients + args.editors:
            await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)

    column = seed.get("column", 1)
    run = f"{time.time_ns() % 10**12:x}"  # op ids are unique per person: a new run, new ids
    padding = "x" * 120

    async def send(editor, n: int, op: str):
        stats.sent_at[op] = time.perf_counter()
        editor.send(
            json.dumps(
                {
                    "op": "card.create",
                    "id": op,
                    "data": {"column": column, "text": f"Idée {n} {padding}"},
                }
            )
        )

    if args.burst:
        ops = args.burst
        stats.expected = ops * args.clients
        first = time.perf_counter()
        await asyncio.gather(
            *(send(editors[n % len(editors)], n, f"{run}-b{n}") for n in range(ops))
        )
    else:
        ops = int(args.rate * args.duration)
        stats.expected = ops * args.clients
        first = time.perf_counter()
        for n in range(ops):
            target = first + n / args.rate
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await send(editors[n % len(editors)], n, f"{run}-r{n}")
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stats.done.wait(), timeout=args.timeout)
    last = max(stats.last_at.values(), default=time.perf_counter())
    elapsed = last - first
    latencies = [(stats.last_at[op] - stats.sent_at[op]) * 1000 for op in stats.last_at]
    acks = [
        (stats.acked_at[op] - stats.sent_at[op]) * 1000
        for op in stats.acked_at
        if op in stats.sent_at
    ]
    stats.closed += [s.close_code for s in sockets if s.close_code not in (None, 1000)]
    await asyncio.gather(*(socket.close() for socket in [*sockets, *editors]))
    return {
        "servers": len(bases),
        "clients": args.clients,
        "editors": args.editors,
        "ops": ops,
        "mode": "burst" if args.burst else f"rate {args.rate}/s",
        "connect_seconds": round(connect_seconds, 2),
        "deliveries": stats.deliveries,
        "expected": stats.expected,
        "lost": stats.expected - stats.deliveries,
        "duplicates": stats.duplicates,
        "holes": stats.holes,
        "closed": stats.closed,
        "errors": stats.errors,
        "seconds": round(elapsed, 3),
        "deliveries_per_second": round(stats.deliveries / elapsed) if elapsed > 0 else 0,
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50), 1),
            "p95": round(percentile(latencies, 0.95), 1),
            "p99": round(percentile(latencies, 0.99), 1),
        },
        "ack_ms": {
            "p50": round(percentile(acks, 0.50), 1),
            "p99": round(percentile(acks, 0.99), 1),
        }
        if acks
        else None,
        "mean_latency_ms": round(statistics.fmean(latencies), 1) if latencies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ws", required=True, help="server URL, or several separated by ,")
    parser.add_argument("--seed")
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--editors", type=int, default=10)
    parser.add_argument("--burst", type=int, default=0)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--timeout", type=float, default=90)
    print(json.dumps(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
