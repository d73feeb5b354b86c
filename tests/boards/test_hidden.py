"""Hidden mode: until the team reveals them, each participant sees only their own cards and a
count of all the cards; nothing of the others' cards reaches them — in the snapshot, in the
events published live, or in a replay."""

import json

import pytest

from boards import services
from boards.models import Board, Phase
from boards.selectors import board_snapshot
from realtime import publish, streams
from realtime.errors import Forbidden, Invalid
from tests.boards.reducer import apply_event
from tests.factories import make_board, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliveries(monkeypatch):
    """What each op publishes (once committed): every version of its event, as streams made it."""
    found: list[streams.Delivery] = []

    def capture(key, seq, delivery):
        if key.startswith("board:"):  # not the moderators' activity lines
            found.append(delivery)

    monkeypatch.setattr(publish, "publish_event_on_commit", capture)
    return found


@pytest.fixture
def scene():
    facilitator, helper = make_user("Fanny"), make_user("Hugo")
    awa, bruno = make_user("Awa"), make_user("Bruno")
    board = make_board(facilitator, project=make_project(facilitator, members=[helper]))
    services.update_board(
        actor=facilitator, board_id=board.pk, phase=Phase.IDEAS, cards_hidden=True
    )
    column = board.columns.order_by("position").first()
    return {"facilitator": facilitator, "helper": helper, "awa": awa, "bruno": bruno,
            "board": board, "column": column}  # fmt: skip


def fresh(board) -> Board:
    return Board.objects.select_related("project").get(pk=board.pk)


def add(scene, who: str, text: str):
    return services.create_card(
        actor=scene[who], board_id=scene["board"].pk, column_id=scene["column"].pk, text=text
    ).result


def texts(snapshot: dict) -> set[str]:
    return {card["text"] for card in snapshot["cards"]}


def test_each_participant_sees_their_own_cards_and_the_count_the_team_sees_all(scene):
    add(scene, "awa", "Un repair café")
    add(scene, "bruno", "Un potager partagé")
    add(scene, "facilitator", "Une boîte à livres")
    board = fresh(scene["board"])
    awa = board_snapshot(board, scene["awa"])
    assert texts(awa) == {"Un repair café"} and awa["cards_total"] == 3
    assert texts(board_snapshot(board, scene["bruno"])) == {"Un potager partagé"}
    assert texts(board_snapshot(board, None)) == set()  # an anonymous reader: nothing but
    assert board_snapshot(board, None)["cards_total"] == 3  # the count
    team = board_snapshot(board, scene["helper"])
    assert len(team["cards"]) == 3 and "cards_total" not in team


def test_an_event_about_a_hidden_card_goes_whole_to_its_author_and_the_team(scene, deliveries):
    add(scene, "bruno", "Un potager secret")
    (delivery,) = deliveries
    whole, redacted = json.loads(delivery.frame), json.loads(delivery.redacted)
    assert whole["data"]["card"]["text"] == "Un potager secret"
    assert redacted["seq"] == whole["seq"] and redacted["name"] == "redacted"
    assert redacted["data"] == {"cards_total": 1}
    assert "potager" not in delivery.redacted
    redacted.pop("at")
    assert redacted == {
        "type": "event",
        "stream": scene["board"].stream_key,
        "seq": whole["seq"],
        "name": "redacted",
        "data": {"cards_total": 1},
        "actor": None,  # not even who wrote it
        "op": None,
    }
    for who, whole_for_them in (("bruno", True), ("helper", True), ("awa", False)):
        reader = streams.Reader(scene[who].pk, who == "helper")
        assert (delivery.for_reader(reader) == delivery.frame) is whole_for_them
    assert delivery.for_reader(None) == delivery.redacted


def test_a_replay_shows_each_reader_what_they_may_see(scene):
    add(scene, "bruno", "Un potager secret")
    add(scene, "awa", "Un repair café")
    key = scene["board"].stream_key
    for_awa = streams.replay_events(key, since=0, limit=100, reader=streams.Reader(scene["awa"].pk))
    joined = "".join(frame for _seq, frame in for_awa)
    assert "Un repair café" in joined and "potager" not in joined
    for_team = streams.replay_events(
        key, since=0, limit=100, reader=streams.Reader(scene["helper"].pk, sees_all=True)
    )
    assert "potager" in "".join(frame for _seq, frame in for_team)


def readers(scene) -> dict[str, dict | None]:
    return {
        "awa": {"id": scene["awa"].pk, "sees_all": False},
        "bruno": {"id": scene["bruno"].pk, "sees_all": False},
        "anonymous": {"id": None, "sees_all": False},
        "helper": None,  # the team
    }


def snapshots(scene) -> dict[str, dict]:
    board = fresh(scene["board"])
    users = {"awa": scene["awa"], "bruno": scene["bruno"], "anonymous": None}
    users["helper"] = scene["helper"]
    return {name: board_snapshot(board, user) for name, user in users.items()}


def test_snapshot_plus_what_each_reader_receives_equals_their_next_snapshot(scene, deliveries):
    """The stream's equivalence, reader by reader, through a whole hidden session: cards added,
    edited, moved, deleted and restored by participants and the team, then the reveal, then
    hidden mode again."""
    board = scene["board"]
    other_column = board.columns.order_by("position")[1]
    awa_card = add(scene, "awa", "Un repair café")
    ops = [
        lambda: add(scene, "bruno", "Un potager partagé"),
        lambda: services.update_card(
            actor=scene["awa"], board_id=board.pk, card_id=awa_card.pk, text="Un repair café !"
        ),
        lambda: services.move_card(
            actor=scene["awa"],
            board_id=board.pk,
            card_id=awa_card.pk,
            column_id=other_column.pk,
        ),
        lambda: add(scene, "facilitator", "Une idée de l'animatrice"),
        lambda: services.delete_card(actor=scene["awa"], board_id=board.pk, card_id=awa_card.pk),
        lambda: services.restore_card(actor=scene["awa"], board_id=board.pk, card_id=awa_card.pk),
        lambda: services.update_board(
            actor=scene["facilitator"], board_id=board.pk, cards_hidden=False
        ),
        lambda: add(scene, "bruno", "Une fête des voisins"),
        lambda: services.update_board(
            actor=scene["facilitator"], board_id=board.pk, cards_hidden=True
        ),
        lambda: add(scene, "awa", "Des bancs"),
        lambda: services.update_board(
            actor=scene["facilitator"], board_id=board.pk, phase=Phase.GROUPING
        ),
    ]
    state = snapshots(scene)
    for op in ops:
        deliveries.clear()
        op()
        after = snapshots(scene)
        for name, reader in readers(scene).items():
            seen = state[name]
            for delivery in deliveries:
                view = streams.Reader(reader["id"], reader["sees_all"]) if reader else None
                frame = delivery.frame if reader is None else delivery.for_reader(view)
                seen = apply_event(seen, json.loads(frame), reader)
            assert seen == after[name], name
        state = after
    assert texts(state["awa"]) == texts(state["helper"])  # revealed: all see all
    assert len(state["awa"]["cards"]) == 5


def test_moving_on_to_grouping_reveals_the_cards_in_one_event(scene, deliveries):
    add(scene, "bruno", "Un potager partagé")
    deliveries.clear()
    services.update_board(
        actor=scene["facilitator"], board_id=scene["board"].pk, phase=Phase.GROUPING
    )
    (delivery,) = deliveries
    event = json.loads(delivery.frame)
    assert delivery.redacted is None  # the same frame for everyone
    assert event["name"] == "cards.revealed"
    assert [c["text"] for c in event["data"]["cards"]] == ["Un potager partagé"]
    assert fresh(scene["board"]).cards_hidden is False


def test_only_the_team_hides_or_reveals_and_only_before_grouping(scene):
    board = scene["board"]
    with pytest.raises(Forbidden):
        services.update_board(actor=scene["awa"], board_id=board.pk, cards_hidden=False)
    assert fresh(board).cards_hidden is True
    services.update_board(actor=scene["facilitator"], board_id=board.pk, phase=Phase.VOTE)
    with pytest.raises(Invalid):
        services.update_board(actor=scene["facilitator"], board_id=board.pk, cards_hidden=True)
    assert fresh(board).cards_hidden is False


def test_a_board_not_in_hidden_mode_publishes_one_version(scene, deliveries):
    services.update_board(
        actor=scene["facilitator"], board_id=scene["board"].pk, cards_hidden=False
    )
    deliveries.clear()
    add(scene, "bruno", "Un potager partagé")
    (delivery,) = deliveries
    assert delivery.redacted is None
    assert "cards_total" not in json.loads(delivery.frame)["data"]
