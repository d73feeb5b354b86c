"""Snapshots, history pages and unread counts (in a constant number of queries)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import selectors, services
from chat.models import RoomKind
from tests.chat.conftest import make_scene
from tests.factories import make_project

pytestmark = pytest.mark.django_db


def fill(room, author, n, prefix="message"):
    return [
        services.send_message(actor=author, room_id=room.pk, text=f"{prefix} {i}").result
        for i in range(n)
    ]


def test_the_snapshot_has_the_latest_50_oldest_first_and_how_far_i_read():
    scene = make_scene()
    messages = fill(scene["team"], scene["awa"], 53)
    services.mark_read(actor=scene["bruno"], room_id=scene["team"].pk, seq=messages[49].seq)
    snapshot = selectors.room_snapshot(scene["team"], scene["bruno"])
    assert [m["text"] for m in snapshot["messages"]] == [f"message {i}" for i in range(3, 53)]
    assert snapshot["has_more"] is True
    assert snapshot["read_seq"] == 50
    assert snapshot["unread"] == 3
    assert snapshot["room"]["kind"] == "team"
    assert snapshot["room"]["project"]["title"] == "Repair Café"
    mine = selectors.room_snapshot(scene["team"], scene["awa"])
    assert (mine["read_seq"], mine["unread"]) == (0, 0)  # one's own messages are never unread


def test_history_pages_by_cursor_without_gaps_or_repeats():
    scene = make_scene()
    fill(scene["open"], scene["chloe"], 120)
    seen, before, pages = [], None, 0
    while True:
        page, has_more = selectors.messages_before(scene["open"], before=before)
        seen = [m.text for m in page] + seen
        pages += 1
        if not has_more:
            break
        before = page[0].pk
    assert pages == 3
    assert seen == [f"message {i}" for i in range(120)]


def test_unread_counts_cost_the_same_few_queries_for_any_number_of_rooms():
    scene = make_scene()
    bruno = scene["bruno"]
    rooms = [scene["team"], scene["open"]]
    for _ in range(4):
        project = make_project(scene["awa"], members=[bruno])
        for kind in RoomKind.values:
            rooms.append(services.get_or_create_room(project=project, kind=kind))
    for n, room in enumerate(rooms):
        fill(room, scene["awa"], n % 3 + 1)
    fill(scene["team"], bruno, 2, "de Bruno")  # one's own messages do not count
    services.mark_read(actor=bruno, room_id=rooms[1].pk, seq=1)
    deleted = fill(rooms[2], scene["awa"], 1)[0]
    services.delete_message(actor=scene["awa"], room_id=rooms[2].pk, message_id=deleted.pk)

    with CaptureQueriesContext(connection) as few:
        selectors.unread_counts(bruno, rooms[:2])
    with CaptureQueriesContext(connection) as many:
        counts = selectors.unread_counts(bruno, rooms)
    assert len(few.captured_queries) == len(many.captured_queries) == 1
    assert counts == {room.pk: n % 3 + 1 for n, room in enumerate(rooms)} | {rooms[1].pk: 1}

    # Rooms one may not read count nothing; an anonymous reader costs no query at all.
    assert selectors.unread_counts(scene["chloe"], [scene["team"]]) == {scene["team"].pk: 0}
    assert selectors.unread_counts(scene["chloe"], [scene["open"]]) == {scene["open"].pk: 2}
    with CaptureQueriesContext(connection) as none:
        assert selectors.unread_counts(AnonymousUser(), rooms[:2]) == dict.fromkeys(
            [r.pk for r in rooms[:2]], 0
        )
    assert len(none.captured_queries) == 0


def test_project_chat_links_show_the_team_room_to_the_team_only():
    scene = make_scene()
    project = make_project(scene["awa"], members=[scene["bruno"]])
    links = selectors.project_chat_links(scene["bruno"], project)
    assert links == [
        {
            "kind": "team",
            "room": None,
            "label": "Équipe",
            "url": f"/discussions/projet/{project.slug}/equipe/",
            "unread": 0,
        },
        {
            "kind": "open",
            "room": None,
            "label": "Discussion ouverte",
            "url": f"/discussions/projet/{project.slug}/ouverte/",
            "unread": 0,
        },
    ]
    fill(scene["team"], scene["awa"], 2)
    with CaptureQueriesContext(connection) as queries:
        links = selectors.project_chat_links(scene["bruno"], scene["project"], in_team=True)
    assert len(queries.captured_queries) == 2
    assert (links[0]["url"], links[0]["unread"]) == (scene["team"].get_absolute_url(), 2)
    assert links[0]["room"] == scene["team"].pk
    assert [link["kind"] for link in selectors.project_chat_links(scene["chloe"], project)] == [
        "open"
    ]
