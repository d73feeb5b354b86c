"""Run the benchmark: the app's real live path against two references, in the same run.

    python bench/run.py quick    # 500-client fan-out under daphne, with both references
    python bench/run.py full     # 100 / 500 / 1,000 clients, both servers, 2 processes;
                                 # 10 / 40 / 100 edits a second at each size; 20 and 50 edits
                                 # a second to 500; the workshop; the pages

Each target runs in its own server process on loopback; the load generator (bench/loadgen.py)
runs in another. Results: a Markdown table on stdout, JSON in bench/results/, and a last line
`fanout 500: <n> deliveries/s, <x>x tutorial, <y>x bare`.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import RedisServer, free_port  # noqa: E402
from tests.servers import wait_for_port as wait_port  # noqa: E402
from tools.servers import PRODUCTION, daphne_arguments  # noqa: E402

PY = sys.executable


def app_env(database: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT),
    }


class Boards:
    """A fresh board, with the same accounts, for each measurement of the app: on a board that
    grew over the runs before, every hello would be bigger (past a few thousand cards, over
    the size a WebSocket message may have) and the figures would depend on what ran first."""

    def __init__(self, workdir: Path, env: dict, clients: int, editors: int) -> None:
        self.workdir, self.env, self.clients, self.editors = workdir, env, clients, editors
        self.made = 0

    def new(self) -> Path:
        seed = subprocess.run(
            [PY, "bench/seed.py", str(self.clients), str(self.editors)],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        self.made += 1
        seed_file = self.workdir / f"seed-{self.made}.json"
        seed_file.write_text(seed.strip().splitlines()[-1])
        return seed_file


def prepare(workdir: Path, clients: int, editors: int) -> tuple[dict, Boards]:
    """A migrated database and its boards, for up to `clients` readers and `editors`."""
    env = app_env(workdir / "bench.sqlite3")
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return env, Boards(workdir, env, clients, editors)


def server_command(target: str, port: int) -> list[str]:
    if target == "bare":
        return [PY, "bench/references/bare.py", str(port)]
    if target == "uvicorn":  # the same ASGI app under the alternative server
        return [
            PY,
            "-m",
            "uvicorn",
            "backend.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--loop",
            "uvloop",
            "--ws",
            "websockets",
            # As docs/deploy.md: no compression of ~200-byte frames, each socket compressing
            # each frame again (the load generator does not ask for it anyway).
            "--ws-per-message-deflate",
            "false",
        ]
    app = {"app": "backend.asgi:application", "tutorial": "bench.references.tutorial:application"}
    return [PY, "-m", "daphne", *PRODUCTION, *daphne_arguments("127.0.0.1", port), app[target]]


@contextlib.contextmanager
def serving(target: str, env: dict, processes: int = 1) -> Iterator[list[int]]:
    """Start `processes` servers of `target` (several share the env's Redis): their ports."""
    servers, ports = [], []
    try:
        for _ in range(processes):
            port = free_port()
            server = subprocess.Popen(
                server_command(target, port),
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            servers.append(server)
            wait_port(port, server, timeout=30)
            ports.append(port)
        yield ports
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(10)


def loadgen(script: str, args: list[str], env: dict) -> dict:
    """Run a load generator in its own process; its last line of output is a JSON object."""
    done = subprocess.run(
        [PY, script, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"{script} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(
    target: str,
    env: dict,
    seed_file: Path | None,
    clients: int,
    editors: int,
    mode: list[str],
    *,
    processes: int = 1,
) -> dict:
    with serving(target, env, processes) as ports:
        urls = ",".join(f"ws://127.0.0.1:{port}" for port in ports)
        args = ["--ws", urls, "--clients", str(clients), "--editors", str(editors), *mode]
        if seed_file is not None:
            args += ["--seed", str(seed_file)]
        result = loadgen("bench/loadgen.py", args, env)
    result["target"] = target if processes == 1 else f"{target} x{processes}"
    return result


def table(results: list[dict]) -> str:
    lines = [
        "| target | clients | editors | mode | deliveries/s | last client p50 / p95 / p99 (ms) "
        "| op→ack p99 (ms) | lost | dup | closed |",
        "| --- | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lat = r["latency_ms"]
        ack = r["ack_ms"]["p99"] if r.get("ack_ms") else "—"
        lines.append(
            f"| {r['target']} | {r['clients']} | {r['editors']} | {r['mode']} ({r['ops']} ops) "
            f"| {r['deliveries_per_second']:,} | {lat['p50']} / {lat['p95']} / {lat['p99']} "
            f"| {ack} | {r['lost']} | {r['duplicates']} | {len(r['closed'])} |"
        )
    return "\n".join(lines)


def workshop_table(results: list[dict]) -> str:
    lines = [
        "| target | cards | tables x people | ops (ops/s) | op→ack p50 / p99 (ms) "
        "| op→last of the table p50 / p99 (ms) | phase switch to all: reveal / vote / close (ms) "
        "| lost | dup | refused | closed |",
        "| --- | --- | --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        per_table = r["participants"] // r["tables"]
        lines.append(
            f"| {r['target']} | {'hidden' if r.get('hidden') else 'shown'} "
            f"| {r['tables']} x {per_table} | {r['ops']} ({r['ops_per_second']}) "
            f"| {r['ack_ms']['p50']} / {r['ack_ms']['p99']} "
            f"| {r['last_member_ms']['p50']} / {r['last_member_ms']['p99']} "
            f"| {r['phase_switch_ms']['reveal']} / {r['phase_switch_ms']['vote']} "
            f"/ {r['phase_switch_ms']['closed']} "
            f"| {r['lost']} | {r['duplicates']} | {sum(r['errors'].values())} "
            f"| {len(r['closed'])} |"
        )
    return "\n".join(lines)


TARGETS = ("app", "uvicorn", "tutorial", "bare")
SEEDED = {"app", "uvicorn"}  # the real app: signed-in members on a seeded board
EDITORS = 10
BURST = ["--burst", "200"]
GRID_CLIENTS = (100, 500, 1000)
GRID_RATES = (10, 40, 100)


def fanout(kind: str, env: dict, boards: Boards, results: list[dict]) -> None:
    """Deliveries/s: the app and the references, then the app on 2 processes and Redis."""
    sizes = [500] if kind == "quick" else [100, 500, 1000]
    # bench-quick: the app and both references under daphne; bench: uvicorn too.
    targets = ("app", "tutorial", "bare") if kind == "quick" else TARGETS
    for clients in sizes:
        for target in targets:
            seeded = boards.new() if target in SEEDED else None
            results.append(measure(target, env, seeded, clients, EDITORS, BURST))
            progress(results[-1])
    if kind == "quick":
        return
    redis = RedisServer().start()
    try:
        cluster = {**env, "REDIS_URL": redis.url}
        for clients in (500, 1000):
            seeded = boards.new()
            results.append(measure("app", cluster, seeded, clients, EDITORS, BURST, processes=2))
            progress(results[-1])
    finally:
        redis.stop()


def grid(env: dict, boards: Boards, results: list[dict]) -> None:
    """The fan-out grid: 100, 500 and 1,000 clients on one board, 10, 40 and 100 edits a second
    for 10 s, by one editor (10 a second is one socket's limit, `REALTIME["OPS_PER_SECOND"]`) or
    ten; the app under both servers and the bare server. The tutorial reference is measured by
    the burst and at 20 edits a second: where it cannot keep up it runs into the load
    generator's 90 s, and the grid would take most of an hour."""
    for clients in GRID_CLIENTS:
        for rate in GRID_RATES:
            editors = 1 if rate <= 10 else EDITORS
            for target in ("app", "uvicorn", "bare"):
                seeded = boards.new() if target in SEEDED else None
                mode = ["--rate", str(rate), "--duration", "10"]
                results.append(measure(target, env, seeded, clients, editors, mode))
                progress(results[-1])


def steady(env: dict, boards: Boards, results: list[dict]) -> None:
    """Latency at 20 edits/s, and a burst of 500 edits in 10 s (50/s), to 500 clients."""
    for rate in (20, 50):
        for target in TARGETS:
            if rate == 50 and target not in SEEDED:
                continue
            seeded = boards.new() if target in SEEDED else None
            mode = ["--rate", str(rate), "--duration", "10"]
            results.append(measure(target, env, seeded, 500, EDITORS, mode))
            progress(results[-1])


def workshop(workdir: Path) -> list[dict]:
    """400 participants over 40 tables: ideas, grouping, vote, close — each run on a fresh
    database (a workshop, once run, is closed); under daphne also with the cards hidden until
    the reveal."""
    results = []
    for target, hidden in (("app", False), ("app", True), ("uvicorn", False)):
        name = f"workshop-{target}{'-hidden' if hidden else ''}"
        env = app_env(workdir / f"{name}.sqlite3")
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        seed = subprocess.run(
            [PY, "bench/workshop.py", "seed", "40", "10", *(["hidden"] if hidden else [])],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        seed_file = workdir / f"{name}.json"
        seed_file.write_text(seed.strip().splitlines()[-1])
        with serving(target, env) as (port,):
            args = ["run", "--ws", f"ws://127.0.0.1:{port}", "--seed", str(seed_file)]
            result = loadgen("bench/workshop.py", args, env)
        result["target"] = target
        results.append(result)
        print(f"  workshop {target}: {result['ops_per_second']} ops/s", file=sys.stderr)
    return results


def progress(result: dict) -> None:
    print(
        f"  {result['target']:<8} {result['clients']:>5} clients, {result['mode']}: "
        f"{result['deliveries_per_second']:>7,} deliveries/s",
        file=sys.stderr,
    )


def main(kind: str) -> None:
    results: list[dict] = []
    workshops: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="faire-ensemble-bench-") as tmp:
        workdir = Path(tmp)
        env, boards = prepare(workdir, 500 if kind == "quick" else 1000, EDITORS)
        fanout(kind, env, boards, results)
        if kind == "full":
            grid(env, boards, results)
            steady(env, boards, results)
            workshops = workshop(workdir)
    extra = {}
    if kind == "full":
        from bench import pages

        # The pages on one process, then on two behind Redis (the layout of docs/deploy.md).
        extra["pages"] = pages.run()
        extra["pages_2_processes"] = pages.run(processes=2)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    machine = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "system": platform.platform(),
    }
    (out_dir / f"{kind}-{stamp}.json").write_text(
        json.dumps(
            {"machine": machine, "results": results, "workshop": workshops, **extra}, indent=2
        )
    )
    print(table(results))
    if workshops:
        print()
        print(workshop_table(workshops))
    if "pages" in extra:
        from bench import pages

        print()
        print(pages.table(extra["pages"]))
        print()
        print(pages.table(extra["pages_2_processes"]))
    by = {
        (r["target"], r["clients"]): r["deliveries_per_second"]
        for r in results
        if r["mode"] == "burst"
    }
    ratio = lambda a, b: a / b if b else float("nan")  # noqa: E731
    app, tut, bare = by[("app", 500)], by[("tutorial", 500)], by[("bare", 500)]
    if ("uvicorn", 500) in by:
        uvi = by[("uvicorn", 500)]
        print(f"uvicorn fanout 500: {uvi} deliveries/s, {ratio(uvi, bare):.2f}x bare")
    if ("app x2", 500) in by:
        print(f"2 processes, fanout 500: {by[('app x2', 500)]} deliveries/s")
    print(
        f"fanout 500: {app} deliveries/s, {ratio(app, tut):.1f}x tutorial, "
        f"{ratio(app, bare):.2f}x bare"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "quick")
