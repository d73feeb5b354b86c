"""The page scenario: the app's pages under 50 concurrent clients, on a realistic dataset.

    python bench/pages.py [--clients 50] [--duration 10] [--warmup 2] [--pages home,search]
                          [--dataset 5000,1000,100000] [--processes 1] [--server daphne]
                          [--reuse DIR] [--warm] [--churn 2]

A fresh database gets bench/dataset.py's territory (5,000 members, 1,000 projects, a board per
project, 100,000 cards); the app runs under daphne in its own process with DEBUG off and its
static files collected, as in production. Then, page after page, `clients` HTTP/1.1 keep-alive
connections each send their next request as soon as the last answer is in (a closed loop, no
think time), for `warmup` seconds not counted, then `duration` seconds counted. Each request
picks its project, board, list page or search word at random.

`--processes 2` runs the production layout of docs/deploy.md on this machine: that many
server processes, each on its own port, sharing the database and a real Redis (REDIS_URL:
the channel layer and the cache); client i talks to process i mod N, as nginx's round-robin
over keep-alive upstreams would spread them. `--server uvicorn` runs the same app under
uvicorn instead. `--reuse DIR` builds the database in DIR once and reuses it next time (the
page scenario only reads).

The clients send no cookie: they are anonymous visitors, whose pages the app caches
(backend/pages/cache.py). Each run starts with empty caches (they live in the server
processes); `PAGE_CACHE_SECONDS=0` in the environment measures Django rendering every page.
`--warm` fetches every URL a page draws once before measuring it. `--churn 2` commits that
many changes a second while a page is measured, as members do on a busy day (a follow or an
unfollow of a random project, through the ORM, in a process of its own; the servers then
share a real Redis, where the change invalidates pages).

Prints a Markdown table (requests/s, latency percentiles, errors per page) and, on its last
line, the result as one JSON object. `run()` and `table()` are what bench/run.py imports.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import PY, app_env, serving  # noqa: E402
from tests.servers import RedisServer  # noqa: E402

# The pages measured: a name and how to pick the next URL from the dataset. One line each.
PAGES: dict[str, Callable[[dict, random.Random], str]] = {
    "home": lambda data, rng: "/",
    "project list": lambda data, rng: f"/projets/?page={rng.randint(1, data['project_pages'])}",
    "project page": lambda data, rng: f"/projets/{rng.choice(data['slugs'])}/",
    "board page": lambda data, rng: f"/tableaux/{rng.choice(data['public_boards'])}/",
    "partner directory": lambda data, rng: "/partenaires/",
    "search": lambda data, rng: f"/recherche/?q={rng.choice(data['search_words'])}",
}
# Every URL each page can draw: with --warm, each is fetched once before the page is measured
# (a site in use, whose pages its visitors have already brought into the cache).
EVERY: dict[str, Callable[[dict], list[str]]] = {
    "home": lambda data: ["/"],
    "project list": lambda data: [
        f"/projets/?page={n}" for n in range(1, data["project_pages"] + 1)
    ],
    "project page": lambda data: [f"/projets/{slug}/" for slug in data["slugs"]],
    "board page": lambda data: [f"/tableaux/{board}/" for board in data["public_boards"]],
    "partner directory": lambda data: ["/partenaires/"],
    "search": lambda data: [f"/recherche/?q={word}" for word in data["search_words"]],
}
HOST = "127.0.0.1"
# --churn: run by `manage.py shell` with the app's environment; RATE is changes a second.
CHURN = """
import random, time
from django.contrib.auth import get_user_model
from backend.projects.models import Follow, Project
projects = list(Project.objects.values_list("pk", flat=True))
people = list(get_user_model().objects.values_list("pk", flat=True)[:1000])
rng = random.Random(11)
while True:
    follow, created = Follow.objects.get_or_create(
        project_id=rng.choice(projects), user_id=rng.choice(people)
    )
    if not created:
        follow.delete()
    time.sleep(1 / RATE)
"""


class BadResponse(Exception):
    pass


async def _response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """Read one response: its status, body length, and whether the connection stays open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise BadResponse(lines[0][:80])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    size = 0
    if "content-length" in headers:
        size = int(headers["content-length"])
        await reader.readexactly(size)
    elif headers.get("transfer-encoding") == "chunked":
        while chunk := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(chunk + 2)
            size += chunk
        await reader.readuntil(b"\r\n")  # the empty trailer
    else:  # the body runs to the end of the connection
        size = len(await reader.read())
        return int(parts[1]), size, False
    return int(parts[1]), size, headers.get("connection") != "close"


async def _client(port: int, next_path, until: float, record) -> None:
    """One keep-alive connection sending requests back to back until `until`."""
    connection = None
    while time.perf_counter() < until:
        path = next_path()
        request = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept-Language: fr\r\n\r\n"
        started = time.perf_counter()
        try:
            if connection is None:
                connection = await asyncio.open_connection(HOST, port)
            reader, writer = connection
            writer.write(request.encode())
            status, size, keep = await _response(reader)
        except (OSError, asyncio.IncompleteReadError, BadResponse, ValueError) as error:
            record(started, None, type(error).__name__, 0)
            connection = _close(connection)
            await asyncio.sleep(0.01)
            continue
        record(started, time.perf_counter(), status, size)
        if not keep:
            connection = _close(connection)
    _close(connection)


async def _visit_all(ports: list[int], paths: list[str], clients: int) -> None:
    """Fetch each path once, `clients` at a time, each process of `ports` (its own cache)."""
    queue = [(port, path) for port in ports for path in paths]

    async def worker() -> None:
        connection_to: dict[int, tuple] = {}
        while queue:
            port, path = queue.pop()
            request = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept-Language: fr\r\n\r\n"
            if port not in connection_to:
                connection_to[port] = await asyncio.open_connection(HOST, port)
            reader, writer = connection_to[port]
            writer.write(request.encode())
            _status, _size, keep = await _response(reader)
            if not keep:
                _close(connection_to.pop(port))
        for connection in connection_to.values():
            _close(connection)

    await asyncio.gather(*(worker() for _ in range(clients)))


def _close(connection):
    if connection is not None:
        connection[1].close()
    return None


async def _load(ports: list[int], next_path, *, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors: Counter = Counter()
    sizes: list[int] = []

    def record(started: float, ended: float | None, status, size: int) -> None:
        if status != 200:
            errors[str(status)] += 1
        if ended is not None:
            latencies.append((ended - started) * 1000)
            sizes.append(size)

    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(_client(ports[i % len(ports)], next_path, until, record) for i in range(clients))
    )
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "latency_ms": _percentiles(latencies),
        "errors": dict(errors),
        "bytes": round(sum(sizes) / len(sizes)) if sizes else 0,
    }


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 1)}


def prepare(workdir: Path, sizes: tuple[int, ...] = ()) -> tuple[dict, dict]:
    """A migrated database with the dataset, and the static files DEBUG off needs; a
    database already built in `workdir` (its dataset.json next to it) is reused."""
    env = app_env(workdir / "pages.sqlite3")
    saved = workdir / "dataset.json"
    if saved.exists() and (workdir / "pages.sqlite3").exists():
        for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
            subprocess.run([PY, "manage.py", *command], cwd=ROOT, env=env, check=True)
        data = json.loads(saved.read_text())
        if not sizes or tuple(data[k] for k in ("members", "projects", "cards")) == sizes:
            return env, data
        raise SystemExit(f"{workdir} holds another dataset: remove it or use another folder")
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([PY, "manage.py", *command], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [PY, "bench/dataset.py", *map(str, sizes)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    saved.write_text(out.strip().splitlines()[-1])
    return env, json.loads(saved.read_text())


def run(
    *,
    clients: int = 50,
    duration: float = 10,
    warmup: float = 2,
    pages: list[str] | None = None,
    sizes: tuple[int, ...] = (),
    server: str = "daphne",
    processes: int = 1,
    reuse: Path | None = None,
    warm: bool = False,
    churn: float = 0,
) -> dict:
    """Build the dataset (`sizes`: members, projects, cards; the defaults of bench/dataset.py
    if empty), serve the app under `processes` daphne (or uvicorn) processes, measure each
    page in turn."""
    rng = random.Random(7)
    results = []
    with contextlib.ExitStack() as stack:
        if reuse is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fe-pages-")))
        else:
            workdir = reuse
            workdir.mkdir(parents=True, exist_ok=True)
        env, data = prepare(workdir, sizes)
        if processes > 1 or churn:  # several processes, or the churn's, share a Redis
            redis = RedisServer().start()
            stack.callback(redis.stop)
            env = {**env, "REDIS_URL": redis.url}
        target = "app" if server == "daphne" else server
        ports = stack.enter_context(serving(target, env, processes))
        for name in pages or list(PAGES):
            pick = PAGES[name]

            def next_path(pick=pick):
                return pick(data, rng)

            if warm:
                asyncio.run(_visit_all(ports, EVERY[name](data), clients))
            with contextlib.ExitStack() as changing:
                if churn:
                    changing.enter_context(_churning(env, churn))
                asyncio.run(_load(ports, next_path, clients=clients, seconds=warmup))
                result = asyncio.run(_load(ports, next_path, clients=clients, seconds=duration))
            results.append({"page": name, **result})
            lat = result["latency_ms"]
            print(
                f"  {name:<18} {result['requests_per_second']:>7} req/s, "
                f"p99 {lat['p99']} ms, errors {sum(result['errors'].values())}",
                file=sys.stderr,
            )
    counts = ("members", "projects", "boards", "cards", "votes", "events", "seconds")
    return {
        "scenario": "http",
        "server": server,
        "processes": processes,
        "warm": warm,
        "churn_per_s": churn,
        "clients": clients,
        "duration_s": duration,
        "dataset": {key: data[key] for key in counts},
        "pages": results,
    }


@contextlib.contextmanager
def _churning(env: dict, rate: float):
    """`rate` committed changes a second, from another process, until the block ends."""
    script = f"RATE = {rate!r}\n{CHURN}"
    process = subprocess.Popen([PY, "manage.py", "shell", "-c", script], cwd=ROOT, env=env)
    try:
        time.sleep(1)  # Django set up, the first changes made
        if process.poll() is not None:
            raise SystemExit("the churn process stopped")
        yield
    finally:
        process.terminate()
        process.wait(10)


def table(result: dict) -> str:
    processes = result.get("processes", 1)
    where = f"{processes} {result['server']} processes" if processes > 1 else result["server"]
    lines = [
        f"| page ({result['clients']} clients, {where}) | requests/s | p50 / p95 / p99 (ms) "
        "| max (ms) | errors | KB |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for r in result["pages"]:
        lat = r["latency_ms"]
        errors = ", ".join(f"{k}: {v}" for k, v in r["errors"].items()) or "0"
        lines.append(
            f"| {r['page']} | {r['requests_per_second']:,} | {lat['p50']} / {lat['p95']} / "
            f"{lat['p99']} | {lat['max']} | {errors} | {r['bytes'] / 1000:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--pages", help=f"comma-separated, among: {', '.join(PAGES)}")
    parser.add_argument("--dataset", help="members,projects,cards (default 5000,1000,100000)")
    parser.add_argument("--server", choices=("daphne", "uvicorn"), default="daphne")
    parser.add_argument("--processes", type=int, default=1, help="server processes (Redis)")
    parser.add_argument("--reuse", type=Path, help="build the database here once, then reuse it")
    parser.add_argument(
        "--warm", action="store_true", help="fetch every URL a page draws once before measuring"
    )
    parser.add_argument(
        "--churn", type=float, default=0, help="changes committed a second while measuring"
    )
    args = parser.parse_args()
    result = run(
        clients=args.clients,
        duration=args.duration,
        warmup=args.warmup,
        pages=args.pages.split(",") if args.pages else None,
        sizes=tuple(int(n) for n in args.dataset.split(",")) if args.dataset else (),
        server=args.server,
        processes=args.processes,
        reuse=args.reuse,
        warm=args.warm,
        churn=args.churn,
    )
    print(table(result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
