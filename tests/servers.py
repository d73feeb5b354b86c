"""Real servers for tests: a redis-server binary, PostgreSQL and daphne processes running the app.

Nothing here is mocked. The servers live in tools/servers.py, shared with `make run-cluster`
and the benchmark; the tests' daphne processes run the test settings.
"""

from __future__ import annotations

from tools import servers
from tools.servers import (
    ROOT,
    PostgresServer,
    RedisServer,
    database_url,
    free_port,
    redis_server_binary,
    wait_for_port,
)

__all__ = [
    "ROOT",
    "DaphneServer",
    "PostgresServer",
    "RedisServer",
    "database_url",
    "free_port",
    "redis_server_binary",
    "wait_for_port",
]


class DaphneServer(servers.DaphneServer):
    """`daphne backend.asgi:application` on a free port, with the test settings."""

    def __init__(self, *, database_url: str, redis_url: str = "", **env: str) -> None:
        super().__init__(
            database_url=database_url, redis_url=redis_url, settings="tests.settings", **env
        )
