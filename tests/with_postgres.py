"""Run a command (the test suite) against a throw-away PostgreSQL server.

    python tests/with_postgres.py pytest tests/boards tests/realtime

Starts a cluster with the machine's PostgreSQL binaries (initdb, pg_ctl), sets DATABASE_URL
for the command, and removes the cluster afterwards.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import PostgresServer


def add_debian_postgres_to_path() -> None:
    """Debian keeps PostgreSQL's server binaries in /usr/lib/postgresql/<version>/bin."""
    if shutil.which("initdb"):
        return
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if found:
        os.environ["PATH"] = f"{found[-1].parent}{os.pathsep}{os.environ['PATH']}"


def main() -> int:
    add_debian_postgres_to_path()
    if not shutil.which("initdb") or not shutil.which("pg_ctl"):
        print(
            "PostgreSQL is missing: install it with  sudo apt-get install -y postgresql",
            file=sys.stderr,
        )
        return 1
    server = PostgresServer().start()
    try:
        env = {**os.environ, "DATABASE_URL": server.url}
        return subprocess.call(sys.argv[1:], env=env)
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
