"""Two people of a team in their room, in two real browser contexts, through real daphne."""

import pytest
from playwright.sync_api import expect

from chat import services
from chat.models import Message, RoomKind
from tests.e2e.test_accessibility import serious_violations
from tests.factories import make_project, make_user

pytestmark = pytest.mark.django_db(transaction=True)

LIVE = 2000  # ms: what "at once" means in these tests


def open_room(page, room):
    page.goto(room.get_absolute_url())
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    return page


def test_two_team_members_see_each_other_type_and_write_live(person):
    awa, bruno = make_user("Awa"), make_user("Bruno")
    project = make_project(awa, title="Repair Café", members=[bruno])
    room = services.get_or_create_room(project=project, kind=RoomKind.TEAM)
    services.send_message(actor=awa, room_id=room.pk, text="Voir https://example.org/plan @bruno")

    a = open_room(person(awa), room)
    b = open_room(person(bruno), room)
    link = b.locator(".chat-message a[href='https://example.org/plan']")
    expect(link).to_have_text("https://example.org/plan")
    expect(b.locator(".chat-mention.is-me")).to_have_text("@bruno")

    a.get_by_label("Votre message").press_sequentially("On se retrouve")
    expect(b.locator("#chat-typing")).to_have_text("Awa écrit…", timeout=LIVE)
    a.get_by_label("Votre message").press("Enter")
    expect(b.locator(".chat-message", has_text="On se retrouve")).to_be_visible(timeout=LIVE)
    expect(b.locator("#chat-typing")).to_have_text("")
    expect(b.locator("#chat-announcer")).to_contain_text("On se retrouve", timeout=LIVE)

    b.get_by_label("Votre message").press_sequentially("Samedi 10 h")
    expect(a.locator("#chat-typing")).to_have_text("Bruno écrit…", timeout=LIVE)
    b.get_by_label("Votre message").press("Enter")
    expect(a.locator(".chat-message", has_text="Samedi 10 h")).to_be_visible(timeout=LIVE)
    expect(a.get_by_label("Votre message")).to_have_value("")
    assert serious_violations(a) == []

    assert list(Message.objects.order_by("seq").values_list("author__username", "text")) == [
        ("awa", "Voir https://example.org/plan @bruno"),
        ("awa", "On se retrouve"),
        ("bruno", "Samedi 10 h"),
    ]
