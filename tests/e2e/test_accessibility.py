"""axe-core (vendored) on the board page and the sign-in page: no serious or critical issue."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from boards import services
from tests.factories import make_board, make_user

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"


def serious_violations(page) -> list[dict]:
    # Loaded from our own origin: the page's Content-Security-Policy refuses inline scripts.
    assert AXE.exists()
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    violations = page.evaluate("async () => (await axe.run()).violations")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]


def test_the_sign_in_page_has_no_serious_accessibility_issue(person):
    page = person()
    page.goto("/connexion/")
    assert serious_violations(page) == []


def test_the_board_page_has_no_serious_accessibility_issue(person):
    owner = make_user("Awa")
    board = make_board(owner)
    column = board.columns.first()
    for color in ("yellow", "green", "blue", "pink", "orange", "purple"):
        services.create_card(
            actor=owner,
            board_id=board.pk,
            column_id=column.pk,
            text=f"Une idée {color}",
            color=color,
        )
    page = person(owner)
    page.goto(board.get_absolute_url())
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#presence")).to_contain_text("Awa")
    assert serious_violations(page) == []
    # And as an anonymous reader, the server-rendered page before and after the socket.
    reader = person()
    reader.goto(board.get_absolute_url())
    expect(reader.locator("#connection")).to_have_attribute("data-state", "connected")
    assert serious_violations(reader) == []


def test_the_directory_needs_search_and_profile_pages_have_no_serious_issue(person):
    from backend.needs import services as needs
    from tests.factories import make_partner, make_project, make_territory, make_theme

    awa, louise = make_user("Awa"), make_user("Louise", moderator=True)
    partner = make_partner("France Active", steps=("financement", "garantie"), managers=[louise])
    project = make_project(awa, title="Une équipe de quartier")
    project.slug = "une-equipe-de-quartier"
    project.description = "**Réparer** ensemble, *chaque* samedi.\n\n- un\n- deux"
    project.save()
    need = needs.publish_need(
        actor=louise,
        territory=make_territory(),
        title="Des lieux pour se rencontrer",
        description="Un café des habitants.",
        themes=[make_theme("Solidarité")],
    )
    page = person(awa)
    for url in (
        "/partenaires/",
        partner.get_absolute_url(),
        "/besoins/",
        need.get_absolute_url(),
        "/recherche/?q=equipe",
        "/profil/",
        awa.get_absolute_url(),
        "/projets/",
        "/projets/?theme=solidarite&sort=followed",
        "/projets/nouveau/",
        "/projets/une-equipe-de-quartier/",
        "/projets/une-equipe-de-quartier/modifier/",
        "/thematiques/solidarite/",
        "/partenaires/demandes/",
        "/profil/supprimer/",
        "/",
    ):
        page.goto(url)
        assert serious_violations(page) == [], url


def test_the_pages_for_newcomers_and_the_town_have_no_serious_issue(person):
    for url in ("/inscription/", "/mot-de-passe/oublie/", "/partenaires/?etape=test"):
        page = person()
        page.goto(url)
        assert serious_violations(page) == [], url
    page = person(make_user("Louise", moderator=True))
    page.goto("/besoins/nouveau/")
    assert serious_violations(page) == []


def test_the_workshop_pages_have_no_serious_issue(person):
    from django.utils import timezone

    from backend.workshops import services as workshops
    from tests.factories import make_territory

    louise = make_user("Louise", moderator=True)
    workshop = workshops.create_workshop(
        actor=louise,
        territory=make_territory(),
        title="Parlons ensemble",
        starts_at=timezone.now(),
        question="Comment mieux se rencontrer ?",
        tables=2,
    )
    guest = person(viewport={"width": 390, "height": 844})
    guest.goto(workshop.join_url())
    assert serious_violations(guest) == []
    facilitator = person(louise)
    for url in (
        f"/ateliers/{workshop.pk}/animation/",
        f"/ateliers/{workshop.pk}/ecran/",
        f"/ateliers/{workshop.pk}/resultats/",
        "/ateliers/nouveau/",
    ):
        facilitator.goto(url)
        assert serious_violations(facilitator) == [], url


def test_the_moderation_pages_have_no_serious_issue(person):
    from datetime import timedelta

    from django.utils import timezone

    from backend.meetings import services as meetings
    from backend.moderation import services as moderation
    from chat import services as chat
    from chat.models import RoomKind
    from tests.factories import make_project, make_theme

    louise, awa = make_user("Louise", moderator=True), make_user("Awa")
    theme = make_theme("Solidarité")
    project = make_project(awa, title="Repair Café")
    project.themes.set([theme])
    room = chat.get_or_create_room(project=project, kind=RoomKind.OPEN)
    message = chat.send_message(actor=awa, room_id=room.pk, text="Bonjour à tous").result
    moderation.report_content(actor=louise, kind="message", target_id=message.pk, reason="spam")
    meeting = meetings.create_meeting(
        actor=louise,
        title="Rencontre solidarité",
        starts_at=timezone.now() + timedelta(days=7),
        place="Salle des fêtes",
        themes=[theme],
        capacity=30,
    )
    page = person(louise)
    page.goto("/moderation/")
    expect(page.locator("#activity-status")).to_have_text("En direct.")
    expect(page.locator("#activity-feed .activity-line")).to_have_count(2)
    assert serious_violations(page) == []
    for url in (
        "/moderation/signalements/",
        "/moderation/journal/",
        "/moderation/tableau-de-bord/",
        "/rencontres/",
        f"/rencontres/{meeting.pk}/",
        "/rencontres/nouvelle/",
    ):
        page.goto(url)
        assert serious_violations(page) == [], url
