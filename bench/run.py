"""Run the benchmark: the app's real live path against two references, in the same run.

    python bench/run.py quick    # 500-client fan-out under daphne, with both references
    python bench/run.py full     # more sizes, and a steady 20 edits/s latency run

Each target runs in its own server process on loopback; the load generator (bench/loadgen.py)
runs in another. Results: a Markdown table on stdout, JSON in bench/results/, and a last line
`fanout 500: <n> deliveries/s, <x>x tutorial, <y>x bare`.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError("server did not start")


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


def prepare(workdir: Path, clients: int, editors: int) -> tuple[dict, Path]:
    database = workdir / "bench.sqlite3"
    env = app_env(database)
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    seed = subprocess.run(
        [PY, "bench/seed.py", str(clients), str(editors)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    seed_file = workdir / f"seed-{clients}.json"
    seed_file.write_text(seed.strip().splitlines()[-1])
    return env, seed_file


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
        ]
    app = {"app": "backend.asgi:application", "tutorial": "bench.references.tutorial:application"}
    return [PY, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app[target]]


def measure(
    target: str, env: dict, seed_file: Path | None, clients: int, editors: int, mode: list[str]
) -> dict:
    port = free_port()
    server = subprocess.Popen(
        server_command(target, port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port, server)
        command = [
            PY,
            "bench/loadgen.py",
            "--ws",
            f"ws://127.0.0.1:{port}",
            "--clients",
            str(clients),
            "--editors",
            str(editors),
            *mode,
        ]
        if seed_file is not None:
            command += ["--seed", str(seed_file)]
        out = subprocess.run(
            command, cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=600
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(10)
    result["target"] = target
    return result


def table(results: list[dict]) -> str:
    lines = [
        "| target | clients | mode | deliveries/s | last client p50 / p95 / p99 (ms) "
        "| op→ack p99 (ms) | lost | dup | closed |",
        "| --- | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lat = r["latency_ms"]
        ack = r["ack_ms"]["p99"] if r.get("ack_ms") else "—"
        lines.append(
            f"| {r['target']} | {r['clients']} | {r['mode']} ({r['ops']} ops) "
            f"| {r['deliveries_per_second']:,} | {lat['p50']} / {lat['p95']} / {lat['p99']} "
            f"| {ack} | {r['lost']} | {r['duplicates']} | {len(r['closed'])} |"
        )
    return "\n".join(lines)


TARGETS = ("app", "uvicorn", "tutorial", "bare")
SEEDED = {"app", "uvicorn"}  # the real app: signed-in members on a seeded board


def main(kind: str) -> None:
    sizes = [500] if kind == "quick" else [100, 500, 1000]
    editors = 10
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="faire-ensemble-bench-") as tmp:
        workdir = Path(tmp)
        env, _ = prepare(workdir, max(sizes), editors)
        seed_file = workdir / f"seed-{max(sizes)}.json"
        # bench-quick: the app and both references under daphne; bench: uvicorn too.
        targets = ("app", "tutorial", "bare") if kind == "quick" else TARGETS
        for clients in sizes:
            for target in targets:
                seeded = seed_file if target in SEEDED else None
                results.append(measure(target, env, seeded, clients, editors, ["--burst", "200"]))
                print(
                    f"  {target:<8} {clients:>5} clients: "
                    f"{results[-1]['deliveries_per_second']:>7,} deliveries/s",
                    file=sys.stderr,
                )
        if kind == "full":
            for target in targets:
                seeded = seed_file if target in SEEDED else None
                steady = ["--rate", "20", "--duration", "10"]
                results.append(measure(target, env, seeded, 500, editors, steady))
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
        json.dumps({"machine": machine, "results": results}, indent=2)
    )
    print(table(results))
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
    print(
        f"fanout 500: {app} deliveries/s, {ratio(app, tut):.1f}x tutorial, "
        f"{ratio(app, bare):.2f}x bare"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "quick")
