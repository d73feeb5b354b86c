"""Groups and the countdown over /ws/boards/<id>/ (WebsocketCommunicator, in-process layer)."""

from datetime import datetime

import pytest

from boards import services
from boards.models import Card, CardGroup, Phase, Vote
from realtime.models import Event
from tests.factories import make_board, make_user
from tests.realtime.conftest import db

pytestmark = pytest.mark.django_db(transaction=True)


@db
def scene(**board_kwargs):
    louise, awa, bruno = make_user("Louise"), make_user("Awa"), make_user("Bruno")
    board = make_board(louise, with_project=False, **board_kwargs)
    column = board.columns.first()
    cards = [
        services.create_card(actor=who, board_id=board.pk, column_id=column.pk, text=t).result
        for who, t in [(awa, "Un café"), (bruno, "Une fête"), (awa, "Des bancs")]
    ]
    return louise, awa, bruno, board, [c.pk for c in cards]


@db
def rows():
    return (
        Event.objects.count(),
        Vote.objects.count(),
        list(CardGroup.objects.order_by("pk").values_list("title", "deleted_at")),
        list(Card.objects.order_by("pk").values_list("group", flat=True)),
    )


@db
def set_phase(louise, board, phase):
    services.update_board(actor=louise, board_id=board.pk, phase=phase)


async def test_grouping_ops_reach_everyone_and_a_group_is_voted_on(board_client):
    louise, awa, bruno, board, cards = await scene(votes_per_person=2)
    a, b = board_client(board, awa), board_client(board, bruno)
    hello = await a.connect()
    assert hello["state"]["groups"] == []
    assert hello["me"]["can_group"] is True and hello["me"]["voted_groups"] == []
    assert all(card["group"] is None for card in hello["state"]["cards"])
    await b.connect()
    await a.op("group.create", {"title": "Se rencontrer", "cards": cards[:2]}, "g1")
    _, created = await b.receive_until("event", name="group.created")
    group = created["data"]["group"]
    assert group["title"] == "Se rencontrer" and group["votes"] == 0
    assert [c["group"] for c in created["data"]["cards"]] == [group["id"], group["id"]]
    _, ack = await a.receive_until("ack")
    assert ack["status"] == "applied"
    await b.op("card.group", {"card": cards[2], "group": group["id"]}, "b1")
    _, grouped = await a.receive_until("event", name="card.grouped")
    assert grouped["data"]["card"]["group"] == group["id"]
    await a.op("group.update", {"group": group["id"], "title": "Rencontres"}, "g2")
    _, renamed = await b.receive_until("event", name="group.updated")
    assert renamed["data"]["group"]["title"] == "Rencontres"
    await b.op("card.group", {"card": cards[2], "group": None}, "b2")
    _, out = await a.receive_until("event", name="card.grouped")
    assert out["data"]["card"]["group"] is None

    await set_phase(louise, board, Phase.VOTE)
    await b.op("card.vote", {"card": cards[0]}, "b3")
    _, error = await b.receive_until("error")
    assert error["code"] == "conflict" and "groupe" in error["message"]
    await b.op("group.vote", {"group": group["id"]}, "b4")
    _, voted = await a.receive_until("event", name="group.voted")
    assert voted["data"] == {"group": group["id"], "votes": 1, "voter": bruno.pk}
    await b.op("card.vote", {"card": cards[2]}, "b5")
    await b.receive_until("event", name="card.voted")
    # Budget of 2 spent on one group and one card: a second group is refused.
    await b.op("group.create", {"title": "Tard"}, "b6")
    _, error = await b.receive_until("error")
    assert error["code"] == "forbidden"  # participants group before the vote
    before = await rows()
    other = await db(services.create_group)(actor=louise, board_id=board.pk, title="Autre")
    await db(services.group_card)(
        actor=louise, board_id=board.pk, card_id=cards[1], group_id=other.result.pk
    )
    before = await rows()
    await b.op("group.vote", {"group": other.result.pk}, "b7")
    _, error = await b.receive_until("error")
    assert error["code"] == "conflict" and "2 votes" in error["message"]
    assert await rows() == before
    again = board_client(board, bruno)
    hello = await again.connect()
    assert hello["me"]["voted_groups"] == [group["id"]] and hello["me"]["voted"] == [cards[2]]
    assert {g["id"]: g["votes"] for g in hello["state"]["groups"]}[group["id"]] == 1
    await b.op("group.unvote", {"group": group["id"]}, "b8")
    _, unvoted = await a.receive_until("event", name="group.unvoted")
    assert unvoted["data"]["votes"] == 0
    await a.op("group.delete", {"group": group["id"]}, "a9")
    _, error = await a.receive_until("error")
    assert error["code"] == "forbidden"  # the vote phase: participants no longer regroup


BAD_OPS = [
    ("title over 80", "group.create", lambda g, c: {"title": "x" * 81}, "invalid"),
    ("title not a text", "group.create", lambda g, c: {"title": 3}, "invalid"),
    ("cards not a list", "group.create", lambda g, c: {"title": "x", "cards": 5}, "invalid"),
    ("cards of ids", "group.create", lambda g, c: {"title": "x", "cards": ["a"]}, "invalid"),
    ("group missing", "card.group", lambda g, c: {"card": c}, "invalid"),
    ("group of another board", "card.group", lambda g, c: {"card": c, "group": g}, "not_found"),
    ("rename it", "group.update", lambda g, c: {"group": g, "title": "à moi"}, "not_found"),
    ("seconds not a number", "timer.start", lambda g, c: {"seconds": "60"}, "invalid"),
    ("a participant's timer", "timer.start", lambda g, c: {"seconds": 60}, "forbidden"),
    ("a participant's stop", "timer.stop", lambda g, c: {}, "forbidden"),
]


@pytest.mark.parametrize(("case", "op", "data", "code"), BAD_OPS, ids=[c for c, *_ in BAD_OPS])
async def test_bad_group_and_timer_ops_get_an_error_and_write_nothing(
    board_client, case, op, data, code
):
    louise, awa, bruno, board, cards = await scene()
    elsewhere = await db(make_board)(louise, with_project=False)
    foreign = await db(services.create_group)(actor=louise, board_id=elsewhere.pk, title="Ailleurs")
    client = board_client(board, awa)
    await client.connect()
    before = await rows()
    await client.op(op, data(foreign.result.pk, cards[0]), "bad-1")
    _, error = await client.receive_until("error")
    assert (error["id"], error["code"]) == ("bad-1", code)
    assert await rows() == before


async def test_a_locked_board_and_a_closed_table_refuse_grouping(board_client):
    louise, awa, bruno, board, cards = await scene()
    client = board_client(board, awa)
    await client.connect()
    await db(services.update_board)(actor=louise, board_id=board.pk, locked=True)
    before = await rows()
    await client.op("group.create", {"title": "x", "cards": cards[:1]}, "l1")
    _, error = await client.receive_until("error", timeout=3)
    assert error["code"] == "locked"
    await db(services.update_board)(actor=louise, board_id=board.pk, locked=False)
    await set_phase(louise, board, Phase.CLOSED)
    before = await rows()
    await client.op("group.create", {"title": "x"}, "l2")
    _, error = await client.receive_until("error")
    assert error["code"] == "locked"
    assert await rows() == before


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_the_countdown_survives_a_reconnect(board_client):
    louise, awa, bruno, board, cards = await scene()
    team, person = board_client(board, louise), board_client(board, awa)
    hello = await person.connect()
    assert hello["state"]["board"]["timer"] == {"ends_at": None, "seconds": 0}
    assert hello["limits"]["now"].endswith("Z")
    await team.connect()
    await team.op("timer.start", {"seconds": 120}, "t1")
    _, event = await person.receive_until("event", name="board.timer")
    ends_at = event["data"]["ends_at"]
    assert event["data"]["seconds"] == 120
    remaining_then = (_at(ends_at) - _at(event["at"])).total_seconds()
    assert 119 <= remaining_then <= 120
    await person.close()
    # A reload: the snapshot has the same end, and the server's clock to read it against.
    back = board_client(board, awa)
    hello = await back.connect()
    assert hello["state"]["board"]["timer"] == {"ends_at": ends_at, "seconds": 120}
    remaining_now = (_at(ends_at) - _at(hello["limits"]["now"])).total_seconds()
    assert 0 < remaining_now < remaining_then
    # A resume with `since` replays the event itself.
    resumed = board_client(board, awa, query=f"?since={hello['seq'] - 1}&epoch={hello['epoch']}")
    hello = await resumed.connect()
    assert hello["replay"] is True
    _, replayed = await resumed.receive_until("event", name="board.timer")
    assert replayed["data"]["ends_at"] == ends_at
    await team.op("timer.stop", {}, "t2")
    _, stopped = await back.receive_until("event", name="board.timer")
    assert stopped["data"] == {"ends_at": None, "seconds": 0}
