"""A local cluster: Redis, PostgreSQL and several daphne processes serving the same boards.

    python -m tools.cluster [--host 127.0.0.1] [--ports 8001,8002] [--fresh]

`make run-cluster` runs it. PostgreSQL keeps its data in .cluster/postgres (ignored by git;
--fresh starts from an empty database); Redis keeps nothing (the app uses it for pub/sub
only). Every daphne process gets the same DATABASE_URL, REDIS_URL and SECRET_KEY: a session
opened on one port is valid on every other. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from tools.servers import (
    POSTGRES_MISSING,
    ROOT,
    DaphneServer,
    PostgresServer,
    RedisServer,
    port_is_free,
    postgres_on_path,
)

DATA_DIR = ROOT / ".cluster"
DATABASE = "faire_ensemble"


class Stop(Exception):
    """SIGTERM or SIGHUP: stop the cluster as Ctrl-C does."""


def parse_ports(text: str) -> list[int]:
    try:
        ports = [int(part) for part in text.replace(",", " ").split()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of ports: {text!r}") from None
    if not ports or any(not 0 < port < 65536 for port in ports):
        raise argparse.ArgumentTypeError(f"ports are 1 to 65535: {text!r}")
    if len(set(ports)) != len(ports):
        raise argparse.ArgumentTypeError(f"the same port twice: {text!r}")
    return ports


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.cluster", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1", help="address daphne listens on")
    parser.add_argument(
        "--ports",
        type=parse_ports,
        default=[8001, 8002],
        help="one daphne process per port, comma-separated (default 8001,8002)",
    )
    parser.add_argument("--fresh", action="store_true", help="start from an empty database")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def postgres_directory(data: Path) -> Path | None:
    """Where PostgreSQL keeps its cluster. Run as root, the server runs as `postgres`: when
    that user cannot write under the repository, None (a throw-away cluster)."""
    directory = data / "postgres"
    if os.geteuid() != 0:
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    shutil.chown(directory, "postgres", "postgres")
    reachable = subprocess.run(
        ["runuser", "-u", "postgres", "--", "test", "-w", str(directory)], check=False
    )
    if reachable.returncode == 0:
        return directory
    print("The postgres user cannot write under the repository: the database is not kept.")
    return None


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def relay(server: DaphneServer) -> None:
    """Print a daphne process's output, each line marked with its port."""
    for line in server.process.stdout:
        print(f"[{server.port}] {line.decode(errors='replace')}", end="", flush=True)


def run(args: argparse.Namespace, stack: ExitStack) -> int:
    busy = [port for port in args.ports if not port_is_free(port, args.host)]
    if busy:
        ports = ", ".join(map(str, busy))
        print(f"Cannot listen on {args.host} port(s) {ports}: in use, or not an address here.")
        return 1
    if not postgres_on_path():
        print(POSTGRES_MISSING)
        return 1
    if args.fresh:
        shutil.rmtree(args.data / "postgres", ignore_errors=True)

    postgres = PostgresServer(directory=postgres_directory(args.data)).start()
    stack.callback(postgres.stop)
    redis = RedisServer(new_session=True).start()
    stack.callback(redis.stop)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DATABASE_URL": postgres.create_database(DATABASE),
        "REDIS_URL": redis.url,
        # A development cluster: plain HTTP, the demo data, and the same secret key in every
        # process (the embedded one unless SECRET_KEY is set), so that sessions and CSRF
        # tokens are valid on every port.
        "DEBUG": "1",
        "ALLOWED_HOSTS": os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]"),
    }
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("load_demo", env=env)

    servers = []
    for port in args.ports:
        server = DaphneServer(
            database_url=env["DATABASE_URL"],
            redis_url=redis.url,
            port=port,
            host=args.host,
            output=subprocess.PIPE,
            new_session=True,
            **{k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DEBUG", "ALLOWED_HOSTS")},
        )
        stack.callback(server.stop)  # before start: a process that fails to listen is stopped
        try:
            server.start()
        except RuntimeError:
            if server.process is not None and server.process.poll() is not None:
                print(server.process.stdout.read().decode(errors="replace"), end="")
            raise
        threading.Thread(target=relay, args=(server,), daemon=True).start()
        servers.append(server)

    print()
    print(f"Faire ensemble: {len(servers)} daphne processes, one PostgreSQL, one Redis")
    for server in servers:
        print(f"  {server.url}/")
    print(f"  DATABASE_URL={env['DATABASE_URL']}")
    print(f"  REDIS_URL={redis.url}")
    print("Sign in on one port and you are signed in on all of them (one session table).")
    print("Cookies ignore the port: to be two people, use two browsers or a private window.")
    print("Ctrl-C stops everything.", flush=True)

    while True:
        time.sleep(0.5)
        for server in servers:
            if server.process.poll() is not None:
                code = server.process.returncode
                print(f"daphne on port {server.port} exited with code {code}: stopping.")
                return 1
        if redis.process.poll() is not None:
            # Stopping Redis by hand shows how the app rides it out: events committed while it
            # is down reach the other processes from the log (docs/deploy.md).
            print(f"Redis exited with code {redis.process.returncode}: starting it again.")
            redis.start()


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)

    def stop(signum, frame):
        raise Stop

    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.getsignal(signum) for signum in handled}
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in background
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    try:
        with ExitStack() as stack:  # stops what started, last started first
            try:
                return run(args, stack)
            except (KeyboardInterrupt, Stop):
                print("\nStopping…", flush=True)
                return 0
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                print(f"The cluster could not start: {exc}")
                return 1
            finally:
                for signum in handled:  # a second Ctrl-C must not cut the clean-up short
                    signal.signal(signum, signal.SIG_IGN)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
