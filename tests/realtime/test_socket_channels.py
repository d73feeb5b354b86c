"""Sockets read from the hub: Channels makes no channel-layer channel for each of them."""

import pytest
from channels.layers import get_channel_layer

from tests.factories import make_board, make_project, make_user
from tests.realtime.conftest import Client, db

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("layer", ["memory", "redis"], indirect=True)
async def test_ten_sockets_make_one_channel_the_hub_s(layer, monkeypatch):
    owner = await db(make_user)("Awa")
    board = await db(make_board)(owner, project=await db(make_project)(owner))
    channel_layer = get_channel_layer()
    made = []
    original = channel_layer.new_channel

    async def counting(*args, **kwargs):
        made.append(await original(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(channel_layer, "new_channel", counting)
    clients = [Client(f"/ws/boards/{board.pk}/", owner) for _ in range(10)]
    for client in clients:
        hello = await client.connect()
        assert hello["type"] == "hello"
    assert len(made) == 1 and "hub" in made[0]
    for client in clients:
        await client.ws.disconnect()
