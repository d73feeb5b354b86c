import pytest
from channels.layers import channel_layers


@pytest.fixture(autouse=True)
def _fresh_channel_layer(settings):
    """Each test gets a channel layer of its own (the layers keep per-loop state)."""
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}
