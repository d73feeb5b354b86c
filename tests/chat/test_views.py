"""The room page (readable without JavaScript), the history endpoint and the project links."""

import pytest
from django.urls import reverse

from chat import services
from chat.models import Message, Room
from tests.chat.conftest import make_scene
from tests.web import post, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return make_scene()


def send(actor, room, text):
    return services.send_message(actor=actor, room_id=room.pk, text=text).result


def test_the_room_page_shows_the_latest_messages_escaped_with_links(client, scene):
    send(scene["awa"], scene["open"], '<script>alert("x")</script> voir https://example.org/a')
    response = client.get(reverse("chat:room", args=[scene["open"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Discussion ouverte de « Repair Café »" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<a href="https://example.org/a" rel="nofollow">' in html
    assert 'id="chat-labels"' in html and "js/chat.js" in html
    assert "Connectez-vous" in html and 'id="chat-text"' not in html  # reading only


def test_the_team_room_is_for_the_team(client, scene):
    url = reverse("chat:room", args=[scene["team"].pk])
    assert client.get(url).status_code == 302  # to the sign-in page
    assert signed_in(scene["chloe"]).get(url).status_code == 403
    response = signed_in(scene["bruno"]).get(url)
    assert response.status_code == 200
    assert 'id="chat-text"' in response.content.decode()
    history = reverse("chat:history", args=[scene["team"].pk])
    assert client.get(history).status_code == 403
    assert signed_in(scene["chloe"]).get(history).status_code == 403
    assert client.get(reverse("chat:room", args=[987654])).status_code == 404


def test_history_is_a_cursor_over_message_ids(client, scene):
    messages = [send(scene["chloe"], scene["open"], f"message {n}") for n in range(120)]
    url = reverse("chat:history", args=[scene["open"].pk])
    latest = client.get(url).json()
    assert [m["text"] for m in latest["messages"]] == [f"message {n}" for n in range(70, 120)]
    assert latest["has_more"] is True
    page = client.get(url, {"avant": latest["messages"][0]["id"]}).json()
    assert [m["text"] for m in page["messages"]] == [f"message {n}" for n in range(20, 70)]
    # New messages meanwhile do not shift the pages: the cursor is an id, not an offset.
    send(scene["awa"], scene["open"], "pendant la lecture")
    last = client.get(url, {"avant": page["messages"][0]["id"]}).json()
    assert [m["text"] for m in last["messages"]] == [f"message {n}" for n in range(20)]
    assert last["has_more"] is False
    assert client.get(url, {"avant": messages[0].pk}).json() == {"messages": [], "has_more": False}
    assert client.get(url, {"avant": "abc"}).status_code == 400
    assert client.get(url, {"avant": "-3"}).status_code == 400


def test_posting_without_javascript(scene):
    bruno = signed_in(scene["bruno"])
    url = reverse("chat:send", args=[scene["team"].pk])
    response = post(bruno, url, {"text": "Sans JavaScript aussi"})
    assert response.status_code == 302
    assert Message.objects.get().text == "Sans JavaScript aussi"
    post(bruno, url, {"text": "x" * 4001})
    assert Message.objects.count() == 1
    assert post(signed_in(scene["chloe"]), url, {"text": "intrus"}).status_code == 403
    assert Message.objects.count() == 1


def test_project_links_create_each_room_once(client, scene):
    from tests.factories import make_project

    project = make_project(scene["awa"], members=[scene["bruno"]])
    open_url = reverse("chat:project_open", args=[project.slug])
    first = client.get(open_url)
    second = client.get(open_url)
    room = Room.objects.get(project=project, kind="open")
    assert first.url == second.url == room.get_absolute_url()
    team_url = reverse("chat:project_team", args=[project.slug])
    assert client.get(team_url).status_code == 302  # sign in first
    assert signed_in(scene["chloe"]).get(team_url).status_code == 403
    assert not Room.objects.filter(project=project, kind="team").exists()
    response = signed_in(scene["bruno"]).get(team_url)
    assert response.url == Room.objects.get(project=project, kind="team").get_absolute_url()
