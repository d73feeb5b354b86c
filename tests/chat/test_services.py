"""chat.services: every op, rights, mentions, and bad input refused with nothing written."""

import pytest
from django.contrib.auth.models import AnonymousUser

from chat import selectors, services
from chat.models import Mention, Message, ReadMarker, Room, RoomKind
from notifications.models import Kind, Notification
from realtime.errors import Forbidden, Invalid, NotFound
from realtime.models import Event
from tests.chat.conftest import make_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return make_scene()


def send(actor, room, text="Rendez-vous samedi au marché", **kwargs):
    return services.send_message(actor=actor, room_id=room.pk, text=text, **kwargs)


def rows():
    """Everything a refused op must leave untouched."""
    return (
        Event.objects.count(),
        Mention.objects.count(),
        Notification.objects.count(),
        ReadMarker.objects.count(),
        list(Message.objects.order_by("pk").values_list("text", "edited_at", "deleted_at")),
    )


def test_rooms_are_created_once_per_project_and_kind(scene):
    again = services.get_or_create_room(project=scene["project"], kind=RoomKind.TEAM)
    assert again == scene["team"]
    assert Room.objects.filter(project=scene["project"]).count() == 2
    with pytest.raises(Invalid):
        services.get_or_create_room(project=scene["project"], kind="secret")


def test_send_stores_the_message_with_its_event_seq_and_publishes_after_commit(
    scene, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        applied = send(scene["bruno"], scene["team"], "  On commence à 10 h  ", op_id="op-1")
        second = send(scene["awa"], scene["team"], "Parfait", reply_to_id=applied.result.pk)
    message = applied.result
    assert (message.text, message.author, message.seq) == ("On commence à 10 h", scene["bruno"], 1)
    assert second.seq == second.result.seq == 2
    assert [(f["stream"], f["seq"], f["name"], f["op"]) for f in published] == [
        (f"chat:{scene['team'].pk}", 1, "message.created", "op-1"),
        (f"chat:{scene['team'].pk}", 2, "message.created", None),
    ]
    assert published[0]["data"]["message"]["text"] == "On commence à 10 h"
    assert published[0]["actor"] == {"id": scene["bruno"].pk, "name": "Bruno"}
    assert published[1]["data"]["message"]["reply_to"] == {
        "id": message.pk,
        "author": {"id": scene["bruno"].pk, "name": "Bruno"},
        "excerpt": "On commence à 10 h",
        "hidden": False,
    }


BAD_TEXTS = [
    ("empty", ""),
    ("blank", "   \n "),
    ("over 4000", "é" * 4001),
    ("not text", 42),
    ("none", None),
]


@pytest.mark.parametrize(("case", "text"), BAD_TEXTS, ids=[c for c, _ in BAD_TEXTS])
def test_bad_text_is_refused_and_writes_nothing(scene, case, text):
    existing = send(scene["awa"], scene["team"]).result
    before = rows()
    with pytest.raises(Invalid):
        send(scene["bruno"], scene["team"], text)
    with pytest.raises(Invalid):
        services.edit_message(
            actor=scene["awa"], room_id=scene["team"].pk, message_id=existing.pk, text=text
        )
    assert rows() == before


def test_4000_characters_are_fine(scene):
    assert len(send(scene["awa"], scene["team"], "a" * 4000).result.text) == 4000


def test_a_reply_must_answer_a_live_message_of_the_same_room(scene):
    elsewhere = send(scene["awa"], scene["open"]).result
    gone = send(scene["awa"], scene["team"], "bientôt supprimé").result
    services.delete_message(actor=scene["awa"], room_id=scene["team"].pk, message_id=gone.pk)
    before = rows()
    for reply_to in (elsewhere.pk, gone.pk, 999999):
        with pytest.raises(NotFound):
            send(scene["bruno"], scene["team"], reply_to_id=reply_to)
    with pytest.raises(Invalid):
        send(scene["bruno"], scene["team"], reply_to_id="12")
    assert rows() == before


def test_who_may_post_where(scene):
    anonymous = AnonymousUser()
    before = rows()
    with pytest.raises(Forbidden):
        send(anonymous, scene["open"])
    with pytest.raises(NotFound):  # the team room does not exist for outsiders
        send(anonymous, scene["team"])
    with pytest.raises(NotFound):
        send(scene["chloe"], scene["team"])
    orphan = Room.objects.create(kind=RoomKind.OPEN)  # no project: closed until a feature opens it
    with pytest.raises(NotFound):
        send(scene["awa"], orphan)
    assert rows() == before
    send(scene["chloe"], scene["open"])
    send(scene["bruno"], scene["team"])


def test_only_the_author_edits_or_deletes(scene):
    message = send(scene["awa"], scene["team"]).result
    before = rows()
    with pytest.raises(Forbidden):
        services.edit_message(
            actor=scene["bruno"], room_id=scene["team"].pk, message_id=message.pk, text="à moi"
        )
    with pytest.raises(Forbidden):
        services.delete_message(
            actor=scene["bruno"], room_id=scene["team"].pk, message_id=message.pk
        )
    with pytest.raises(NotFound):  # not a message of this room
        services.edit_message(
            actor=scene["awa"], room_id=scene["open"].pk, message_id=message.pk, text="x"
        )
    assert rows() == before


def test_edit_changes_the_text_and_says_when(scene, published, django_capture_on_commit_callbacks):
    message = send(scene["awa"], scene["team"]).result
    with django_capture_on_commit_callbacks(execute=True):
        applied = services.edit_message(
            actor=scene["awa"], room_id=scene["team"].pk, message_id=message.pk, text="Dimanche"
        )
    message.refresh_from_db()
    assert (message.text, message.edited_at is not None, message.seq) == ("Dimanche", True, 1)
    assert [(f["seq"], f["name"]) for f in published] == [(2, "message.edited")]
    assert published[0]["data"]["message"]["text"] == "Dimanche"
    assert applied.seq == 2
    # The same text again is no change: no event.
    same = services.edit_message(
        actor=scene["awa"], room_id=scene["team"].pk, message_id=message.pk, text=" Dimanche "
    )
    assert same.seq is None and Event.objects.count() == 2


def test_a_deleted_message_keeps_its_place_without_its_text(
    scene, published, django_capture_on_commit_callbacks
):
    message = send(scene["awa"], scene["team"], "Mon numéro : 06 00 00 00 00").result
    reply = send(scene["bruno"], scene["team"], "Noté", reply_to_id=message.pk).result
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_message(actor=scene["awa"], room_id=scene["team"].pk, message_id=message.pk)
    message.refresh_from_db()
    assert message.deleted_at is not None and message.text == ""
    frame = published[0]
    assert frame["name"] == "message.deleted"
    assert frame["data"]["message"]["deleted"] is True
    assert frame["data"]["message"]["text"] is None
    assert "06 00" not in str(frame)
    snapshot = selectors.room_snapshot(scene["team"], scene["bruno"])
    assert [m["id"] for m in snapshot["messages"]] == [message.pk, reply.pk]
    assert snapshot["messages"][0]["text"] is None
    assert snapshot["messages"][1]["reply_to"]["excerpt"] is None
    with pytest.raises(NotFound):  # deleted is final
        services.edit_message(
            actor=scene["awa"], room_id=scene["team"].pk, message_id=message.pk, text="retour"
        )


def test_a_retried_send_writes_once(scene):
    first = send(scene["awa"], scene["team"], "Une seule fois", op_id="same")
    again = send(scene["awa"], scene["team"], "Une seule fois", op_id="same")
    assert (again.seq, again.duplicate) == (first.seq, True)
    assert Message.objects.count() == 1
    # Another person may use the same id: ids are unique per person.
    other = send(scene["bruno"], scene["team"], "Moi aussi", op_id="same")
    assert not other.duplicate and Message.objects.count() == 2


def test_mentions_tell_each_reader_once_never_the_sender(scene):
    text = "@bruno @Bruno, @chloé et @awa : voyez avec @personne. Écrivez à bruno@example.org"
    message = send(scene["awa"], scene["team"], text, op_id="m-1").result
    # Chloé cannot read the team room: she is not told, nor is Awa, who wrote it.
    assert set(Mention.objects.values_list("user__username", flat=True)) == {"bruno"}
    told = Notification.objects.filter(kind=Kind.MENTION)
    assert list(told.values_list("user__username", flat=True)) == ["bruno"]
    assert told.get().url == f"/discussions/{scene['team'].pk}/#message-{message.pk}"
    assert "Awa" in told.get().title
    send(scene["awa"], scene["team"], text, op_id="m-1")  # a retry tells no one again
    assert told.count() == 1
    # An edit tells only those newly named.
    services.edit_message(
        actor=scene["awa"], room_id=scene["team"].pk, message_id=message.pk, text=text + " !"
    )
    assert told.count() == 1


def test_mentions_in_the_open_room_reach_any_member(scene):
    message = send(scene["bruno"], scene["open"], "Merci @chloé.").result
    assert list(Mention.objects.values_list("user__username", flat=True)) == ["chloé"]
    services.edit_message(
        actor=scene["bruno"],
        room_id=scene["open"].pk,
        message_id=message.pk,
        text="Merci @chloé et @awa",
    )
    assert sorted(
        Notification.objects.filter(kind=Kind.MENTION).values_list("user__username", flat=True)
    ) == ["awa", "chloé"]


def test_mentioned_names():
    assert services.mentioned_names("@awa, @Bruno.et @awa! a@b.fr @x.y. @") == [
        "awa",
        "bruno.et",
        "x.y",
    ]


def test_the_read_marker_only_moves_forward(scene, published, django_capture_on_commit_callbacks):
    for n in range(3):
        send(scene["awa"], scene["team"], f"message {n}")
    room = scene["team"]
    assert selectors.unread_count(room, scene["bruno"]) == 3
    with django_capture_on_commit_callbacks(execute=True):
        applied = services.mark_read(actor=scene["bruno"], room_id=room.pk, seq=2)
    assert published[-1]["name"] == "read"
    assert published[-1]["data"] == {"user": scene["bruno"].pk, "seq": 2}
    assert applied.seq == 4
    assert selectors.read_seq(room, scene["bruno"]) == 2
    assert selectors.unread_count(room, scene["bruno"]) == 1
    assert services.mark_read(actor=scene["bruno"], room_id=room.pk, seq=1).seq is None
    assert selectors.read_seq(room, scene["bruno"]) == 2
    before = rows()
    for bad in (-1, 99, "3", True):
        with pytest.raises(Invalid):
            services.mark_read(actor=scene["bruno"], room_id=room.pk, seq=bad)
    with pytest.raises(Forbidden):
        services.mark_read(actor=AnonymousUser(), room_id=scene["open"].pk, seq=0)
    assert rows() == before
