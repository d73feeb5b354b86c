"""Hidden mode on the wire: the raw frames a participant's socket receives hold nothing of the
others' cards before the reveal — live, on resume and in a fresh snapshot — on the in-process
layer and on real Redis."""

import json

import pytest

from boards import services
from boards.models import Phase
from tests.factories import make_board, make_project, make_user
from tests.frames import unbatch
from tests.realtime.conftest import db

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Le potager secret de Bruno"


@db
def scene():
    facilitator, awa, bruno = make_user("Fanny"), make_user("Awa"), make_user("Bruno")
    board = make_board(facilitator, project=make_project(facilitator))
    services.update_board(
        actor=facilitator, board_id=board.pk, phase=Phase.IDEAS, cards_hidden=True
    )
    return facilitator, awa, bruno, board, board.columns.order_by("position").first()


async def raw_until(client, predicate, timeout: float = 3) -> list[str]:
    """The raw WebSocket messages up to the first whose frames satisfy `predicate`."""
    raw = []
    while True:
        text = await client.ws.receive_from(timeout=timeout)
        raw.append(text)
        if any(predicate(frame) for frame in unbatch(text)):
            return raw


def is_event(name):
    return lambda frame: frame["type"] == "event" and frame["name"] == name


async def test_a_participant_never_receives_the_others_cards_before_the_reveal(layer, board_client):
    facilitator, awa, bruno, board, column = await scene()
    team, a, b = (board_client(board, user) for user in (facilitator, awa, bruno))
    for client in (team, a, b):
        hello = await client.connect()
    assert hello["state"]["cards_total"] == 0
    await b.op("card.create", {"column": column.pk, "text": SECRET}, "b-1")

    raw = await raw_until(a, is_event("redacted"))
    assert all(SECRET not in text and '"card"' not in text for text in raw)
    (redacted,) = [f for text in raw for f in unbatch(text) if f["type"] == "event"]
    assert redacted["data"] == {"cards_total": 1} and redacted["actor"] is None

    _, whole = await team.receive_until("event", name="card.created")
    assert whole["data"]["card"]["text"] == SECRET and whole["seq"] == redacted["seq"]
    _, own = await b.receive_until("event", name="card.created")
    assert own["data"]["card"]["text"] == SECRET and own["data"]["cards_total"] == 1

    # Awa comes back: neither a resume nor a fresh snapshot brings Bruno's card.
    await a.close()
    resumed = board_client(board, awa, query=f"?since={redacted['seq'] - 1}&epoch={hello['epoch']}")
    await resumed.connect()
    raw = await raw_until(resumed, lambda frame: frame.get("seq") == redacted["seq"])
    assert all(SECRET not in text for text in raw)
    fresh = board_client(board, awa)
    snapshot = await fresh.connect()
    assert SECRET not in json.dumps(snapshot)
    assert snapshot["state"]["cards"] == [] and snapshot["state"]["cards_total"] == 1

    # The facilitator reveals: everyone gets every card in one event.
    await team.op("board.update", {"cards_hidden": False}, "f-1")
    _, revealed = await fresh.receive_until("event", name="cards.revealed")
    assert [card["text"] for card in revealed["data"]["cards"]] == [SECRET]
    assert revealed["data"]["board"]["cards_hidden"] is False

    # From then on, cards travel whole to everyone.
    await b.op("card.create", {"column": column.pk, "text": "Une fête des voisins"}, "b-2")
    _, created = await fresh.receive_until("event", name="card.created")
    assert created["data"]["card"]["text"] == "Une fête des voisins"


async def test_a_participant_cannot_reveal_or_hide(layer, board_client):
    facilitator, awa, bruno, board, column = await scene()
    a = board_client(board, awa)
    await a.connect()
    await a.op("board.update", {"cards_hidden": False}, "a-1")
    _, error = await a.receive_until("error")
    assert error["code"] == "forbidden"
    await a.op("board.update", {"cards_hidden": "non"}, "a-2")
    _, error = await a.receive_until("error")
    assert error["code"] == "invalid"
