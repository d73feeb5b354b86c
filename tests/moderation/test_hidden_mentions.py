"""A hidden message's text leaves the notifications that quoted it (mentions), and comes back
when the message is restored."""

import json

import pytest

from backend.moderation import services
from chat import services as chat_services
from chat.models import RoomKind
from notifications import services as notifications
from notifications.models import Notification
from realtime import streams
from tests.factories import make_project, make_user

pytestmark = pytest.mark.django_db

SECRET = "@bruno appelle Denis au 06 12 34 56 78"


def logged_bodies(user):
    key = notifications.stream_key(user.pk)
    return [
        json.loads(frame)["data"]["notification"]["body"]
        for _, frame in streams.replay_events(key, since=0, limit=100)
    ]


def test_hiding_a_message_empties_the_mentions_quoting_it_and_restoring_refills_them():
    awa, bruno = make_user("Awa"), make_user("Bruno")
    moderator = make_user("Modé", moderator=True)
    project = make_project(awa, title="Repair Café")
    room = chat_services.get_or_create_room(project=project, kind=RoomKind.OPEN)
    message = chat_services.send_message(actor=awa, room_id=room.pk, text=SECRET).result
    other = chat_services.send_message(actor=awa, room_id=room.pk, text="@bruno à samedi").result
    assert logged_bodies(bruno) == [SECRET, "@bruno à samedi"]

    services.hide_content(actor=moderator, kind="message", target_id=message.pk, reason="Privé")
    bodies = dict(Notification.objects.filter(user=bruno).values_list("url", "body"))
    # The author's notice from the moderation keeps its reason.
    assert Notification.objects.get(user=awa, kind="moderation").body == "Privé"
    assert bodies == {
        chat_services.mention_url(room, message): "",
        chat_services.mention_url(room, other): "@bruno à samedi",
    }
    assert logged_bodies(bruno) == ["", "@bruno à samedi"]
    assert not any(
        SECRET in frame
        for _, frame in streams.replay_events(
            notifications.stream_key(bruno.pk), since=0, limit=100
        )
    )

    services.restore_content(actor=moderator, kind="message", target_id=message.pk, reason="Ok")
    mention = chat_services.mention_url(room, message)
    assert Notification.objects.get(user=bruno, url=mention).body == SECRET
    assert logged_bodies(bruno) == [SECRET, "@bruno à samedi"]
