"""The chat stream's strongest property: for every op, a reader's state fetched before, plus
the events published for it, equals the state fetched after — the same reducer chat.js runs."""

import copy

import pytest

from chat import services
from chat.selectors import PAGE, excerpt, room_snapshot
from tests.chat.conftest import make_scene
from tests.factories import make_user

NEUTRAL = "message masqué par la modération"  # how a reply quotes a hidden message

pytestmark = pytest.mark.django_db


def apply_event(state: dict, event: dict, me) -> dict:
    """Apply one event to a snapshot, as chat.js does."""
    state = copy.deepcopy(state)
    data, messages = event["data"], state["messages"]

    def others(message):
        return message["author"] is None or message["author"]["id"] != me.pk

    if event["name"] == "message.created":
        message = data["message"]
        messages.append(message)
        if len(messages) > PAGE:  # the snapshot keeps the latest PAGE
            del messages[0]
            state["has_more"] = True
        if others(message) and message["seq"] > state["read_seq"]:
            state["unread"] += 1
    elif event["name"] in {"message.edited", "message.deleted"}:
        message = data["message"]
        deleted = event["name"] == "message.deleted"
        if deleted and others(message) and message["seq"] > state["read_seq"]:
            state["unread"] -= 1
        for i, held in enumerate(messages):
            if held["id"] == message["id"]:
                messages[i] = message
            quote = held["reply_to"]
            if quote is not None and quote["id"] == message["id"]:
                quote["excerpt"] = None if message["deleted"] else excerpt(message["text"])
    elif event["name"] in {"message.hidden", "message.unhidden"}:
        message = data["message"]
        held_it = any(held["id"] == message["id"] for held in messages)
        if not held_it:
            messages.append(message)  # a replay from before may not have carried it
            messages.sort(key=lambda m: m["id"])
        # A hidden message is not unread; one restored is again (if it was never read).
        if others(message) and message["seq"] > state["read_seq"] and not message["deleted"]:
            if message["hidden"] and held_it:
                state["unread"] -= 1
            elif not message["hidden"]:
                state["unread"] += 1
        for i, held in enumerate(messages):
            if held["id"] == message["id"]:
                messages[i] = message
            quote = held["reply_to"]
            if quote is not None and quote["id"] == message["id"]:
                quote["hidden"] = message["hidden"]
                quote["excerpt"] = NEUTRAL if message["hidden"] else excerpt(message["text"])
    elif event["name"] == "read" and data["user"] == me.pk and data["seq"] > state["read_seq"]:
        state["unread"] -= sum(
            1
            for m in messages
            if state["read_seq"] < m["seq"] <= data["seq"]
            and others(m)
            and not (m["deleted"] or m["hidden"])
        )
        state["read_seq"] = data["seq"]
    return state


@pytest.fixture
def scene():
    s = make_scene()
    room = s["team"]
    s["first"] = services.send_message(actor=s["awa"], room_id=room.pk, text="x" * 300).result
    s["reply"] = services.send_message(
        actor=s["bruno"], room_id=room.pk, text="Oui !", reply_to_id=s["first"].pk
    ).result
    s["moderator"] = make_user("Modé", moderator=True)
    s["hidden"] = services.send_message(actor=s["bruno"], room_id=room.pk, text="06 12…").result
    services.hide_message(actor=s["moderator"], room_id=room.pk, message_id=s["hidden"].pk)
    return s


OPS = {
    "hide a quoted message": lambda s: services.hide_message(
        actor=s["moderator"], room_id=s["team"].pk, message_id=s["first"].pk
    ),
    "unhide": lambda s: services.unhide_message(
        actor=s["moderator"], room_id=s["team"].pk, message_id=s["hidden"].pk
    ),
    "send": lambda s: services.send_message(
        actor=s["awa"], room_id=s["team"].pk, text="@bruno On se voit à 10 h ?"
    ),
    "send a reply": lambda s: services.send_message(
        actor=s["bruno"], room_id=s["team"].pk, text="D'accord", reply_to_id=s["first"].pk
    ),
    "edit a quoted message": lambda s: services.edit_message(
        actor=s["awa"], room_id=s["team"].pk, message_id=s["first"].pk, text="Plus court"
    ),
    "delete a quoted message": lambda s: services.delete_message(
        actor=s["awa"], room_id=s["team"].pk, message_id=s["first"].pk
    ),
    "delete my own": lambda s: services.delete_message(
        actor=s["bruno"], room_id=s["team"].pk, message_id=s["reply"].pk
    ),
    "read": lambda s: services.mark_read(actor=s["bruno"], room_id=s["team"].pk, seq=1),
    "read another's": lambda s: services.mark_read(actor=s["awa"], room_id=s["team"].pk, seq=2),
    "fill past a page": lambda s: [
        services.send_message(actor=s["awa"], room_id=s["team"].pk, text=f"n° {n}")
        for n in range(PAGE)
    ],
}


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("reader", ["awa", "bruno"])
def test_state_before_plus_events_is_state_after(
    scene, published, django_capture_on_commit_callbacks, op, reader
):
    me = scene[reader]
    before = room_snapshot(scene["team"], me)
    with django_capture_on_commit_callbacks(execute=True):
        OPS[op](scene)
    assert published, "every op here changes something"
    state = before
    for event in published:
        state = apply_event(state, event, me)
    assert state == room_snapshot(scene["team"], me)
