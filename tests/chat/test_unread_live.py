"""Unread counts of discussions follow live on the reader's own stream (the navigation's
badge, the project page's), and the member's rooms page lists them."""

import pytest
from django.urls import reverse

from chat import services
from chat.models import RoomKind
from tests.factories import make_project, make_user
from tests.realtime.conftest import Client, db
from tests.web import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


@db
def team_room():
    awa, bruno = make_user("Awa"), make_user("Bruno")
    project = make_project(awa, title="Repair Café", members=[bruno])
    return awa, bruno, services.get_or_create_room(project=project, kind=RoomKind.TEAM)


async def test_a_message_updates_the_other_members_badges_and_reading_clears_them(layer):
    awa, bruno, room = await team_room()
    bell = Client("/ws/notifications/", bruno)
    await bell.connect()
    await db(services.send_message)(actor=awa, room_id=room.pk, text="Bonjour l'équipe")
    _, signal = await bell.receive_until("signal", name="chat.unread")
    assert signal["data"] == {"room": room.pk, "unread": 1, "total": 1}
    await db(services.send_message)(actor=awa, room_id=room.pk, text="Samedi ?")
    _, signal = await bell.receive_until("signal", name="chat.unread")
    assert signal["data"]["total"] == 2
    awa_bell = Client("/ws/notifications/", awa)
    await awa_bell.connect()
    assert await awa_bell.nothing()  # the author is not told about their own message
    head = (await db(lambda: room.messages.order_by("-seq").first())()).seq
    await db(services.mark_read)(actor=bruno, room_id=room.pk, seq=head)
    _, signal = await bell.receive_until("signal", name="chat.unread")
    assert signal["data"] == {"room": room.pk, "unread": 0, "total": 0}
    await bell.close()
    await awa_bell.close()


def test_the_navigation_and_the_rooms_page_show_the_unread_counts():
    awa, bruno = make_user("Awa"), make_user("Bruno")
    project = make_project(awa, title="Repair Café", members=[bruno])
    room = services.get_or_create_room(project=project, kind=RoomKind.TEAM)
    services.send_message(actor=awa, room_id=room.pk, text="Bonjour")
    client = signed_in(bruno)
    home = client.get("/").content.decode()
    assert 'id="chats-count" class="unread-badge">1<' in home
    page = client.get(reverse("chat:mine")).content.decode()
    assert room.get_absolute_url() in page and f'data-room-unread="{room.pk}">1<' in page
