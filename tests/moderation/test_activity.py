"""The moderators' live view of the territory: /moderation/ and /ws/activity/."""

import asyncio
import contextlib
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.calls import services as call_services
from backend.moderation import activity, consumers
from backend.moderation import services as moderation_services
from backend.moderation.models import AuditEntry
from backend.partners import services as partner_services
from backend.projects import services as project_services
from backend.territories.models import Skill
from backend.workshops import services as workshop_services
from boards import services as board_services
from boards.models import Phase
from chat import services as chat_services
from chat.models import RoomKind
from realtime import hub as hub_module
from tests.factories import (
    PASSWORD,
    make_board,
    make_partner,
    make_project,
    make_territory,
    make_theme,
    make_user,
)
from tests.realtime.conftest import Client, db

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def clients():
    made: list[Client] = []

    def make(path, user=None):
        client = Client(path, user)
        made.append(client)
        return client

    yield make
    for client in made:
        with contextlib.suppress(Exception):
            await client.ws.disconnect()


@db
def scene():
    awa, chloe = make_user("Awa"), make_user("Chloé")
    moderator = make_user("Modé", moderator=True)
    elsewhere = make_user("Autre", moderator=True)
    elsewhere.territory = make_territory("Antony")
    elsewhere.save(update_fields=["territory"])
    theme = make_theme("Solidarité")
    project = make_project(awa, title="Repair Café", members=[chloe])
    project.themes.set([theme])
    board = make_board(awa, project=project)
    column = board.columns.order_by("position").first()
    return {
        "awa": awa,
        "chloe": chloe,
        "moderator": moderator,
        "elsewhere": elsewhere,
        "theme": theme,
        "project": project,
        "board": board,
        "column": column,
    }


def add_card(s, text="Des bancs près de la gare", who="chloe"):
    return board_services.create_card(
        actor=s[who], board_id=s["board"].pk, column_id=s["column"].pk, text=text
    ).result


def lines(territory_id, **filters):
    return [line["data"] for line in activity.latest(territory_id, filters=filters)]


# Rights --------------------------------------------------------------------------------------


async def test_the_socket_is_for_the_territory_s_moderators_only(clients):
    s = await scene()
    for user, code in ((None, 4401), (s["awa"], 4403)):
        client = clients("/ws/activity/", user)
        connected, _ = await client.ws.connect(timeout=5)
        assert connected
        closed = await client.ws.receive_output(timeout=3)
        assert closed == {"type": "websocket.close", "code": code}
    hello = await clients("/ws/activity/", s["moderator"]).connect()
    assert hello["type"] == "hello"
    assert hello["stream"] == activity.stream_key(s["moderator"].territory_id)


def test_the_page_and_older_lines_are_for_moderators_only(client):
    moderator, member = make_user("Modé", moderator=True), make_user("Awa")
    page, older = reverse("moderation:activity"), reverse("moderation:activity_older")
    assert client.get(page).status_code == 302
    assert client.get(older, {"before": 10}).status_code == 401
    client.force_login(member)
    assert client.get(page).status_code == 403
    assert client.get(older, {"before": 10}).status_code == 403
    client.force_login(moderator)
    response = client.get(page)
    assert response.status_code == 200
    assert b'data-ws="/ws/activity/"' in response.content
    assert client.get(older, {"before": "x"}).status_code == 400


# Lines ---------------------------------------------------------------------------------------


async def test_a_card_and_an_open_message_appear_live_a_team_message_never(clients):
    s = await scene()
    watcher = clients("/ws/activity/", s["moderator"])
    hello = await watcher.connect()
    assert hello["state"]["lines"] == []
    card = await db(add_card)(s)
    _, event = await watcher.receive_until("event", name="activity")
    assert event["actor"] == {"id": s["chloe"].pk, "name": "Chloé"}
    line = event["data"]
    assert line["kind"] == "card"
    assert line["excerpt"] == "Des bancs près de la gare"
    assert line["target"] == {"kind": "card", "id": card.pk}
    assert line["project"]["id"] == s["project"].pk
    assert line["themes"] == [s["theme"].pk]
    assert line["url"].endswith(f"#card-{card.pk}")

    team = await db(chat_services.get_or_create_room)(project=s["project"], kind=RoomKind.TEAM)
    await db(chat_services.send_message)(actor=s["chloe"], room_id=team.pk, text="Entre nous")
    room = await db(chat_services.get_or_create_room)(project=s["project"], kind=RoomKind.OPEN)
    message = (
        await db(chat_services.send_message)(actor=s["awa"], room_id=room.pk, text="Bienvenue !")
    ).result
    _, event = await watcher.receive_until("event", name="activity")
    assert event["data"]["kind"] == "message"  # the team's message came first, and is not here
    assert event["data"]["excerpt"] == "Bienvenue !"
    assert event["data"]["target"] == {"kind": "message", "id": message.pk}
    assert await watcher.nothing()


async def test_another_territory_s_moderator_sees_none_of_it(clients):
    s = await scene()
    other = clients("/ws/activity/", s["elsewhere"])
    hello = await other.connect()
    assert hello["stream"] == activity.stream_key(s["elsewhere"].territory_id)
    await db(add_card)(s)
    assert await other.nothing(timeout=0.5)


async def test_a_reconnecting_moderator_gets_the_lines_missed(clients):
    s = await scene()
    first = clients("/ws/activity/", s["moderator"])
    hello = await first.connect()
    await first.ws.disconnect()
    await db(add_card)(s, "Pendant l'absence")
    again = clients(f"/ws/activity/?since={hello['seq']}&epoch={hello['epoch']}", s["moderator"])
    back = await again.connect()
    assert back["replay"] is True
    _, event = await again.receive_until("event", name="activity")
    assert event["data"]["excerpt"] == "Pendant l'absence"


def test_projects_stages_calls_answers_support_workshops_and_reports_make_lines(client):
    awa, chloe = make_user("Awa"), make_user("Chloé")
    moderator = make_user("Modé", moderator=True)
    territory = moderator.territory_id
    theme = make_theme("Environnement")
    project = project_services.create_project(
        actor=awa,
        territory=awa.territory,
        themes=[theme],
        title="Jardin partagé",
        summary="Un jardin",
        description="Un jardin pour tous",
    )
    project_services.update_project(
        actor=awa,
        project_id=project.pk,
        themes=[theme],
        title=project.title,
        summary=project.summary,
        description=project.description,
        stage="test",
    )
    skill = Skill.objects.create(name="graphisme", slug="graphisme")
    call = call_services.publish_call(
        actor=awa,
        project_id=project.pk,
        title="Une affiche",
        description="Pour la fête",
        skills=[skill],
        time_asked="2 heures",
    )
    call_services.answer_call(actor=chloe, call_id=call.pk, message="Je peux aider")
    partner = make_partner("France Active", steps=("financement",))
    partner_services.request_support(
        actor=awa,
        project_id=project.pk,
        partner_id=partner.pk,
        step="financement",
        message="Un prêt d'honneur ?",
    )
    workshop = workshop_services.create_workshop(
        actor=moderator,
        territory=moderator.territory,
        title="Parlons ensemble",
        starts_at=timezone.now() + timedelta(days=1),
        question="Quelle ville demain ?",
        tables=1,
        themes=[theme],
    )
    workshop_services.set_phase(actor=moderator, workshop_id=workshop.pk, phase=Phase.IDEAS)
    moderation_services.report_content(
        actor=chloe, kind="project", target_id=project.pk, reason="spam"
    )
    client.post(
        reverse("accounts:sign_up"),
        {
            "username": "denis",
            "display_name": "Denis",
            "email": "denis@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    found = [(line["kind"], line["excerpt"], line["detail"]) for line in lines(territory)]
    assert found == [
        ("member", "Denis", ""),
        ("report", "Jardin partagé", "spam"),
        ("workshop", "Parlons ensemble", Phase.IDEAS),
        ("workshop", "Parlons ensemble", Phase.WELCOME),
        ("support", "Un prêt d'honneur ?", "France Active"),
        ("answer", "Je peux aider", "Une affiche"),
        ("call", "Une affiche", ""),
        ("stage", "Jardin partagé", "test"),
        ("project", "Jardin partagé", "idee"),
    ]
    # The filters: by kind, by theme (the workshop's and the project's), by project.
    assert [line["kind"] for line in lines(territory, kind="workshop")] == ["workshop"] * 2
    by_theme = {line["kind"] for line in lines(territory, theme=theme.pk)}
    assert by_theme == {"workshop", "support", "answer", "call", "stage", "project"}
    assert lines(territory, theme=theme.pk + 1000) == []
    by_project = {line["kind"] for line in lines(territory, project=project.pk)}
    assert by_project == {"support", "answer", "call", "stage", "project"}


def test_older_lines_come_by_pages_through_the_filters(client, monkeypatch):
    monkeypatch.setattr(activity, "PAGE", 3)
    awa = make_user("Awa")
    moderator = make_user("Modé", moderator=True)
    project = make_project(awa, title="Repair Café")
    board = make_board(awa, project=project)
    column = board.columns.order_by("position").first()
    other = make_project(awa, title="Autre")
    other_board = make_board(awa, project=other)
    other_column = other_board.columns.order_by("position").first()
    for n in range(5):
        board_services.create_card(
            actor=awa, board_id=board.pk, column_id=column.pk, text=f"idée {n}"
        )
        board_services.create_card(
            actor=awa, board_id=other_board.pk, column_id=other_column.pk, text=f"autre {n}"
        )
    client.force_login(moderator)
    url = reverse("moderation:activity_older")
    first = client.get(url, {"before": 1000, "project": project.pk}).json()["lines"]
    assert [line["data"]["excerpt"] for line in first] == ["idée 4", "idée 3", "idée 2"]
    before = first[-1]["seq"]
    rest = client.get(url, {"before": before, "project": project.pk}).json()["lines"]
    assert [line["data"]["excerpt"] for line in rest] == ["idée 1", "idée 0"]
    assert client.get(url, {"before": rest[-1]["seq"], "project": project.pk}).json() == {
        "lines": []
    }
    everything = client.get(url, {"before": 1000, "kind": "nonsense"}).json()["lines"]
    assert [line["data"]["excerpt"] for line in everything] == ["autre 4", "idée 4", "autre 3"]


# Counters ------------------------------------------------------------------------------------


async def test_counters_come_in_the_hello_and_follow_without_reload(clients, monkeypatch):
    monkeypatch.setattr(consumers, "COUNTERS_EVERY", 0.1)
    monkeypatch.setattr(hub_module, "CENSUS_INTERVAL", 0.1)
    s = await scene()
    team = await db(chat_services.get_or_create_room)(project=s["project"], kind=RoomKind.TEAM)
    await db(chat_services.send_message)(actor=s["chloe"], room_id=team.pk, text="Entre nous")
    await db(add_card)(s)
    watcher = clients("/ws/activity/", s["moderator"])
    hello = await watcher.connect()
    assert hello["state"]["counters"] == {
        "connected": 0,  # the moderator watching is not counted among the people here
        "boards": 1,
        "rooms": 1,
        "cards": 1,
        "messages": 1,
    }
    # Chloé opens the board; another card comes: the counters move without a reload.
    board_socket = clients(f"/ws/boards/{s['board'].pk}/", s["chloe"])
    await board_socket.connect()
    await db(add_card)(s, "Une autre", who="awa")
    for _attempt in range(30):
        _, signal = await watcher.receive_until("signal", name="counters")
        if signal["data"]["connected"] == 1 and signal["data"]["cards"] == 2:
            break
    assert signal["data"] == {"connected": 1, "boards": 1, "rooms": 1, "cards": 2, "messages": 1}


async def test_the_census_counts_each_person_once_across_processes(layer, monkeypatch):
    """Two hubs (two processes) each with a socket of the same person: one person connected."""
    from tests.realtime.test_hub import Socket

    monkeypatch.setattr(hub_module, "CENSUS_INTERVAL", 0.05)
    here, there = hub_module.Hub(), hub_module.Hub()
    there.process = "there"
    subs = []
    for hub, person in ((here, 7), (there, 7), (there, 8)):
        socket = Socket()
        sub = hub_module.Subscription(
            send=socket.send, close=socket.close, person={"id": person, "name": "x"}, territory=3
        )
        key = f"board:{person}{hub.process}"
        await hub.join(key, sub)
        subs.append((hub, key, sub))
    for _attempt in range(40):
        await asyncio.sleep(0.05)
        if here.connected(3) == 2 and there.connected(3) == 2:
            break
    assert (here.connected(3), there.connected(3), here.connected(4)) == (2, 2, 0)
    for hub, key, sub in subs:
        await hub.leave(key, sub)


# Acting from a line --------------------------------------------------------------------------


def test_a_moderator_acts_from_a_line_and_stays_on_the_page(client):
    awa, chloe = make_user("Awa"), make_user("Chloé")
    moderator = make_user("Modé", moderator=True)
    board = make_board(awa, project=make_project(awa))
    column = board.columns.order_by("position").first()
    card = board_services.create_card(
        actor=chloe, board_id=board.pk, column_id=column.pk, text="À cacher"
    ).result
    json_headers = {"HTTP_ACCEPT": "application/json"}
    url = reverse("moderation:act", args=["hide", "card", card.pk])
    client.force_login(moderator)
    refused = client.post(url, {"reason": ""}, **json_headers)
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"
    assert AuditEntry.objects.count() == 0
    done = client.post(url, {"reason": "Hors sujet"}, **json_headers)
    assert done.status_code == 200 and done.json()["ok"] is True
    card.refresh_from_db()
    assert card.hidden_at is not None
    mute = reverse("moderation:act", args=["mute", "profile", chloe.pk])
    assert client.post(mute, {"reason": "Calme", "minutes": "60"}, **json_headers).json()["ok"]
    chloe.refresh_from_db()
    assert chloe.muted_until is not None
    assert AuditEntry.objects.count() == 2

    elsewhere = make_user("Autre", moderator=True)
    elsewhere.territory = make_territory("Antony")
    elsewhere.save(update_fields=["territory"])
    client.force_login(elsewhere)
    other = client.post(
        reverse("moderation:act", args=["warn", "profile", chloe.pk]),
        {"reason": "Non"},
        **json_headers,
    )
    assert other.status_code == 403 and "error" in json.loads(other.content)
    assert AuditEntry.objects.count() == 2
