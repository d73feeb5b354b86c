"""What a socket resuming in a reconnect storm costs: no read of the head the hub already has."""

import pytest

from boards import services
from realtime import streams
from realtime.consumers import StreamConsumer
from realtime.hub import get_hub
from tests.factories import make_board, make_project, make_user
from tests.realtime.conftest import Client, db

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_socket_resuming_at_the_hub_s_head_reads_no_stream_row(monkeypatch):
    owner, reader = await db(make_user)("Awa"), await db(make_user)("Bruno")
    board = await db(make_board)(owner, project=await db(make_project)(owner))
    column = await db(lambda: board.columns.order_by("position").first())()
    first = Client(f"/ws/boards/{board.pk}/", reader)
    hello = await first.connect()  # the hub now follows the board
    await db(services.create_card)(
        actor=owner, board_id=board.pk, column_id=column.pk, text="Avant"
    )
    _, created = await first.receive_until("event", name="card.created")
    at, epoch = created["seq"], hello["epoch"]

    heads, hellos = [], []
    original, original_hello = streams.head, StreamConsumer._hello
    monkeypatch.setattr(streams, "head", lambda key: heads.append(key) or original(key))
    monkeypatch.setattr(
        StreamConsumer, "_hello", lambda self, *a: hellos.append(a) or original_hello(self, *a)
    )
    again = Client(f"/ws/boards/{board.pk}/?since={at}&epoch={epoch}", reader)
    back = await again.connect()
    assert back["replay"] is True and back["seq"] == at
    assert back["me"]["id"] == reader.pk and back["me"]["can_write"] is True
    assert heads == [] and hellos == []  # one trip to the database thread, not two

    # From before the head: the missed event is replayed, still without reading the head.
    late = Client(f"/ws/boards/{board.pk}/?since={hello['seq']}&epoch={epoch}", reader)
    resumed = await late.connect()
    _, replayed = await late.receive_until("event", name="card.created")
    assert resumed["seq"] == at and replayed["data"]["card"]["text"] == "Avant"
    assert heads == [] and len(hellos) == 1

    # A wrong epoch still gets a snapshot, read afresh.
    stale = Client(f"/ws/boards/{board.pk}/?since={at}&epoch=nope", reader)
    assert (await stale.connect())["replay"] is False
    assert heads  # read afresh for the snapshot
    for client in (first, again, late, stale):
        await client.ws.disconnect()


async def test_a_socket_s_frames_and_its_close_make_no_hop_to_the_database_thread(monkeypatch):
    """Channels calls `aclose_old_connections()` (a trip to the database thread) before each
    message and on each close: 10,000 of them one after another when a server stops."""
    import channels.consumer
    import channels.generic.websocket

    owner = await db(make_user)("Awa")
    board = await db(make_board)(owner, project=await db(make_project)(owner))
    client = Client(f"/ws/boards/{board.pk}/", owner)
    await client.connect()
    key = f"board:{board.pk}"
    hub = get_hub()
    assert len(hub.streams[key].subs) == 1

    hops = []

    async def hop():
        hops.append(1)

    for module in (channels.consumer, channels.generic.websocket):
        monkeypatch.setattr(module, "aclose_old_connections", hop)
    await client.op("ping", {}, "p1")
    _, pong = await client.receive_until("pong")
    assert pong["id"] == "p1"
    await client.ws.disconnect()
    assert hops == []
    assert key not in hub.streams or not hub.streams[key].subs  # it left the stream
