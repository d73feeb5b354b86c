"""Hiding on the wire: a hidden card or message leaves other clients live, and a client that
reconnects afterwards, even replaying from before it existed, never receives its text."""

import contextlib
import json

import pytest

from backend.moderation import services
from chat import services as chat_services
from chat.models import RoomKind
from realtime import streams
from tests.factories import make_board, make_project, make_user
from tests.frames import unbatch
from tests.realtime.conftest import Client, db

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Le numéro de téléphone de Denis"


@db
def board_scene():
    owner, chloe, denis = make_user("Awa"), make_user("Chloé"), make_user("Denis")
    moderator = make_user("Modé", moderator=True)
    board = make_board(owner, project=make_project(owner))
    column = board.columns.order_by("position").first()
    return owner, chloe, denis, moderator, board, column


async def raw_until(client, predicate, timeout: float = 3) -> list[str]:
    raw = []
    while True:
        text = await client.ws.receive_from(timeout=timeout)
        raw.append(text)
        if any(predicate(frame) for frame in unbatch(text)):
            return raw


def is_event(name):
    return lambda frame: frame["type"] == "event" and frame["name"] == name


async def test_a_hidden_card_leaves_every_board_and_never_comes_back_on_a_replay(board_client):
    owner, chloe, denis, moderator, board, column = await board_scene()
    start = board_client(board, denis)
    hello = await start.connect()
    await start.close()
    a, b = board_client(board, chloe), board_client(board, denis)
    await a.connect()
    await b.connect()
    await a.op("card.create", {"column": column.pk, "text": SECRET}, "c-1")
    _, created = await b.receive_until("event", name="card.created")
    card = created["data"]["card"]["id"]
    await a.op("card.vote", {"card": card}, "c-2")
    await b.receive_until("event", name="card.voted")

    await db(services.hide_content)(actor=moderator, kind="card", target_id=card, reason="Privé")
    for client in (a, b):
        _, hidden = await client.receive_until("event", name="card.hidden")
        assert hidden["data"] == {"card": card}

    # Denis comes back from before the card existed: no frame carries its text.
    resumed = board_client(board, denis, query=f"?since={hello['seq']}&epoch={hello['epoch']}")
    connected, _ = await resumed.ws.connect(timeout=5)
    assert connected
    raw = await raw_until(resumed, is_event("card.hidden"))
    assert all(SECRET not in text for text in raw)
    frames = [f for text in raw for f in unbatch(text) if f["type"] == "event"]
    assert [f["name"] for f in frames] == ["redacted", "redacted", "card.hidden"]
    assert all(f["data"] == {} for f in frames[:2])
    fresh = board_client(board, denis)
    snapshot = await fresh.connect()
    assert SECRET not in json.dumps(snapshot) and snapshot["state"]["cards"] == []

    # A card op on it is refused for everyone: it is not on the board any more.
    await a.op("card.update", {"card": card, "text": "Autre"}, "c-3")
    _, error = await a.receive_until("error")
    assert error["code"] == "not_found"

    # Restored: it comes back live, whole, and a replay from before carries it again.
    await db(services.restore_content)(actor=moderator, kind="card", target_id=card, reason="OK")
    _, back = await fresh.receive_until("event", name="card.unhidden")
    assert back["data"]["card"]["text"] == SECRET
    again = board_client(board, denis, query=f"?since={hello['seq']}&epoch={hello['epoch']}")
    await again.ws.connect(timeout=5)
    raw = await raw_until(again, is_event("card.unhidden"))
    names = [f["name"] for text in raw for f in unbatch(text) if f["type"] == "event"]
    assert names[:2] == ["card.created", "card.voted"]


@db
def chat_scene():
    awa, chloe = make_user("Awa"), make_user("Chloé")
    moderator = make_user("Modé", moderator=True)
    project = make_project(awa)
    room = chat_services.get_or_create_room(project=project, kind=RoomKind.OPEN)
    return awa, chloe, moderator, room


async def test_a_hidden_message_loses_its_text_live_and_on_a_replay():
    awa, chloe, moderator, room = await chat_scene()
    clients = []

    def connect(user, query=""):
        client = Client(f"/ws/chat/{room.pk}/{query}", user)
        clients.append(client)
        return client

    try:
        start = connect(awa)
        hello = await start.connect()
        a, b = connect(awa), connect(moderator)
        await a.connect()
        await b.connect()
        message = await db(chat_services.send_message)(actor=chloe, room_id=room.pk, text=SECRET)
        message = message.result
        await a.receive_until("event", name="message.created")
        await db(services.hide_content)(
            actor=moderator, kind="message", target_id=message.pk, reason="Privé"
        )
        for client in (a, b):
            _, hidden = await client.receive_until("event", name="message.hidden")
            assert hidden["data"]["message"]["text"] is None
            assert hidden["data"]["message"]["hidden"] is True
            assert SECRET not in json.dumps(hidden)

        resumed = connect(awa, f"?since={hello['seq']}&epoch={hello['epoch']}")
        connected, _ = await resumed.ws.connect(timeout=5)
        assert connected
        raw = await raw_until(resumed, is_event("message.hidden"))
        assert all(SECRET not in text for text in raw)
        fresh = connect(awa)
        snapshot = await fresh.connect()
        assert SECRET not in json.dumps(snapshot)

        await db(services.restore_content)(
            actor=moderator, kind="message", target_id=message.pk, reason="OK"
        )
        _, back = await fresh.receive_until("event", name="message.unhidden")
        assert back["data"]["message"]["text"] == SECRET
    finally:
        for client in clients:
            with contextlib.suppress(Exception):  # already closed
                await client.close()


async def test_a_muted_member_is_refused_live_with_muted(board_client):
    owner, chloe, denis, moderator, board, column = await board_scene()
    client = board_client(board, chloe)
    await client.connect()
    await db(services.mute_member)(actor=moderator, user_id=chloe.pk, minutes=5, reason="Calme")
    await client.op("card.create", {"column": column.pk, "text": "Encore"}, "m-1")
    _, error = await client.receive_until("error")
    assert error["code"] == "muted" and "sourdine jusqu'au" in error["message"]
    await db(type(chloe).objects.filter(pk=chloe.pk).update)(muted_until=None)
    await client.op("card.create", {"column": column.pk, "text": "Encore"}, "m-2")
    _, ack = await client.receive_until("ack")
    assert ack["id"] == "m-2"


def test_streams_restriction_needs_the_change_transaction():
    with pytest.raises(RuntimeError):
        streams.restrict_events(key="board:1", ids=[], redacted={})
