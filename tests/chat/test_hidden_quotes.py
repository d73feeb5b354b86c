"""A reply quotes the message it answers. Once a moderator hides that message, no reply carries
its text any more — live, in snapshots, in replays, in the pages of older messages — but a
neutral « message masqué par la modération »; restoring it brings the quote back. Hidden and
deleted messages are never counted as unread."""

import json

import pytest

from chat import selectors, services
from chat.models import Message, Room
from realtime import streams
from tests.factories import make_user
from tests.web import signed_in

from .conftest import make_scene

pytestmark = pytest.mark.django_db

SECRET = "Mon numéro de téléphone"
NEUTRAL = "message masqué par la modération"


@pytest.fixture
def scene():
    scene = make_scene()
    scene["moderator"] = make_user("Modé", moderator=True)
    room = scene["open"]
    scene["since"] = streams.head(room.stream_key)[0]
    scene["quoted"] = services.send_message(actor=scene["chloe"], room_id=room.pk, text=SECRET)
    scene["quoted"] = scene["quoted"].result
    scene["reply"] = services.send_message(
        actor=scene["bruno"], room_id=room.pk, text="Je réponds", reply_to_id=scene["quoted"].pk
    ).result
    return scene


def hide(scene):
    services.hide_message(
        actor=scene["moderator"], room_id=scene["open"].pk, message_id=scene["quoted"].pk
    )


def unhide(scene):
    services.unhide_message(
        actor=scene["moderator"], room_id=scene["open"].pk, message_id=scene["quoted"].pk
    )


def reply_quote(messages: list[dict], reply_id: int) -> dict:
    (reply,) = [m for m in messages if m["id"] == reply_id]
    return reply["reply_to"]


def what_a_reader_gets(scene) -> list[str]:
    """Every place a reader finds the reply: its data, the snapshot, a replay from before the
    quoted message, the JSON page of older messages and the room's page."""
    room = Room.objects.select_related("project").get(pk=scene["open"].pk)
    reply = Message.objects.select_related("author", "reply_to__author").get(pk=scene["reply"].pk)
    awa = signed_in(scene["awa"])
    reader = streams.Reader(person=scene["awa"].pk)
    return [
        json.dumps(selectors.message_data(reply), ensure_ascii=False),
        json.dumps(selectors.room_snapshot(room, scene["awa"]), ensure_ascii=False),
        *(
            text
            for _, text in streams.replay_events(
                room.stream_key, since=scene["since"], limit=100, reader=reader
            )
        ),
        json.dumps(awa.get(f"/discussions/{room.pk}/messages/").json(), ensure_ascii=False),
        awa.get(f"/discussions/{room.pk}/").content.decode(),
    ]


def test_a_reply_quotes_a_hidden_message_neutrally_everywhere_and_again_once_restored(scene):
    room = scene["open"]
    before = what_a_reader_gets(scene)
    assert all(SECRET in text for text in before)
    hide(scene)
    after = what_a_reader_gets(scene)
    for text in after:
        assert SECRET not in text
    snapshot = selectors.room_snapshot(Room.objects.get(pk=room.pk), scene["awa"])
    quote = reply_quote(snapshot["messages"], scene["reply"].pk)
    assert quote["hidden"] is True and quote["excerpt"] == NEUTRAL
    assert NEUTRAL in after[-1]  # the room's page says so too
    # A replay from before: the reply's message.created quotes it neutrally.
    created = [json.loads(text) for text in after[2:-2]]
    (reply_event,) = [
        f for f in created if f["name"] == "message.created" and f["data"]["message"]["reply_to"]
    ]
    assert reply_event["data"]["message"]["reply_to"]["excerpt"] == NEUTRAL

    unhide(scene)
    restored = what_a_reader_gets(scene)
    replayed = [json.loads(text) for text in restored[2:-2]]
    assert [f["name"] for f in replayed] == [
        "message.created", "message.created", "message.hidden", "message.unhidden"
    ]  # fmt: skip
    assert all(SECRET in text for text in restored[:2] + restored[2:4] + restored[-2:])
    snapshot = selectors.room_snapshot(Room.objects.get(pk=room.pk), scene["awa"])
    quote = reply_quote(snapshot["messages"], scene["reply"].pk)
    assert quote["hidden"] is False and quote["excerpt"] == SECRET


def test_the_hidden_message_is_quoted_neutrally_in_the_live_events_after_its_hiding(
    scene, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hide(scene)
        services.edit_message(
            actor=scene["bruno"], room_id=scene["open"].pk, message_id=scene["reply"].pk, text="Bis"
        )
    assert [f["name"] for f in published] == ["message.hidden", "message.edited"]
    assert all(SECRET not in json.dumps(f, ensure_ascii=False) for f in published)
    assert published[1]["data"]["message"]["reply_to"]["excerpt"] == NEUTRAL


def test_hidden_and_deleted_messages_are_not_unread(scene):
    room = Room.objects.get(pk=scene["open"].pk)
    awa = scene["awa"]
    assert selectors.unread_counts(awa, [room]) == {room.pk: 2}
    hide(scene)
    assert selectors.unread_counts(awa, [room]) == {room.pk: 1}
    assert selectors.room_snapshot(room, awa)["unread"] == 1
    services.delete_message(actor=scene["bruno"], room_id=room.pk, message_id=scene["reply"].pk)
    assert selectors.unread_counts(awa, [room]) == {room.pk: 0}
    unhide(scene)
    assert selectors.unread_counts(awa, [room]) == {room.pk: 1}
