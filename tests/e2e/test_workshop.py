"""A whole workshop in real browsers: a facilitator sets it up and runs every phase from the
console; two guests on phone-sized screens and a member join with the code; cards stay
hidden until the reveal; a countdown runs on every phone; ideas are grouped and the group is
voted on as one proposal; the projector shows the ranking."""

import re

import pytest
from playwright.sync_api import expect

from backend.workshops.models import Workshop
from boards.models import CardGroup
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

LIVE = 2000  # ms: what "at once" means in these tests
POLL = 5000  # ms: the projector polls every 3 s
PHONE = {"width": 390, "height": 844}


def connected(page):
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    return page


def join_as_guest(page, code: str, pseudonym: str):
    page.goto(f"/w/{code}")
    page.get_by_label("Votre pseudonyme").fill(pseudonym)
    page.get_by_label("Table").select_option("1")
    page.get_by_role("button", name="Entrer dans l'atelier").click()
    return connected(page)


def writable(page):
    """The add-a-card fields this person can type in (none outside the ideas phase)."""
    return page.locator("form.add-card textarea:enabled")


def card(page, text):
    return page.locator("#columns .card[data-card]", has_text=text)


def add_card(page, text):
    form = page.locator("form.add-card").first
    form.locator("textarea").fill(text)
    form.get_by_role("button", name="Ajouter").click()
    expect(card(page, text)).to_be_visible(timeout=LIVE)


def phase(console, label: str):
    console.locator("form.phase-buttons").get_by_role("button", name=label, exact=True).click()
    expect(console.locator("form.phase-buttons button[aria-pressed=true]")).to_have_text(label)


def test_a_workshop_through_every_phase(person, server):
    facilitator = make_user("Louise", moderator=True)
    chloe = make_user("Chloé")
    console = person(facilitator)

    console.goto("/ateliers/nouveau/")
    console.get_by_label("Titre").fill("Parlons ensemble de Sceaux")
    console.get_by_label("Date et heure").fill("2026-12-05T10:00")
    console.get_by_label("La question posée").fill("Comment mieux vivre ensemble au quartier ?")
    console.get_by_label("Nombre de tables").fill("2")
    console.get_by_label("Votes par participant").fill("2")
    console.get_by_label("Cacher les cartes des autres jusqu'à la révélation").check()
    console.get_by_role("button", name=re.compile("Créer")).click()
    expect(console).to_have_url(re.compile(r"/ateliers/\d+/animation/$"))
    workshop = Workshop.objects.get()
    code = workshop.join_code
    expect(console.locator(".join-code")).to_have_text(code)
    # The projector, from the start: the code to join, then the counts as people arrive.
    screen = person()
    screen.goto(f"/ateliers/{workshop.pk}/ecran/")
    expect(screen.locator(".join-code")).to_have_text(code)

    awa = join_as_guest(person(viewport=PHONE), code, "Awa")
    bruno = join_as_guest(person(viewport=PHONE), code, "Bruno")
    member = person(chloe)
    member.goto(f"/w/{code.lower()}")
    member.get_by_label("Table").select_option("1")
    member.get_by_role("button", name="Participer en tant que Chloé").click()
    connected(member)
    expect(screen.locator("#screen-participants")).to_have_text("3", timeout=POLL)

    # Accueil: nobody writes yet.
    expect(writable(awa)).to_have_count(0)

    # Idées, hidden: each sees their own cards and the count of the others'.
    phase(console, "Idées")
    expect(writable(awa)).to_have_count(1, timeout=LIVE)
    # A five-minute countdown for every table, on every phone.
    console.get_by_label("Durée").select_option("300")
    console.get_by_role("button", name="Lancer le minuteur").click()
    for page in (awa, bruno, member):
        expect(page.locator("#board-timer-digits")).to_have_text(
            re.compile(r"^(5:00|4:5\d)$"), timeout=LIVE
        )
    add_card(awa, "Un repair café au marché")
    add_card(bruno, "Un potager partagé")
    add_card(member, "Des jardins sur les toits")
    expect(bruno.locator("#hidden-banner")).to_contain_text(
        "3 idée(s) en tout, dont 2", timeout=LIVE
    )
    expect(card(bruno, "Un repair café")).to_have_count(0)
    expect(card(awa, "Un potager partagé")).to_have_count(0)
    # The console counts the table's cards live.
    expect(console.locator('#console-tables tr[data-table="1"] [data-field="cards"]')).to_have_text(
        "3", timeout=LIVE
    )

    # The reveal: everyone's cards reach every phone at once.
    console.get_by_role("button", name="Révéler les cartes de toutes les tables").click()
    expect(card(bruno, "Un repair café au marché")).to_be_visible(timeout=LIVE)
    expect(card(awa, "Un potager partagé")).to_be_visible(timeout=LIVE)
    expect(awa.locator("#hidden-banner")).to_be_hidden()

    phase(console, "Regroupement")
    expect(writable(awa)).to_have_count(0, timeout=LIVE)
    # Chloé stacks the two garden ideas into one proposal; the phones see it at once.
    member.get_by_label("Nouveau groupe").fill("Jardiner ensemble")
    member.get_by_role("button", name="Créer le groupe").click()
    group = member.locator(".card-group", has_text="Jardiner ensemble")
    expect(group).to_be_visible(timeout=LIVE)
    group_id = str(CardGroup.objects.get().pk)
    for text in ("Un potager partagé", "Des jardins sur les toits"):
        card(member, text).get_by_label("Regrouper dans…").select_option(group_id)
        expect(group.locator(".card", has_text=text)).to_be_visible(timeout=LIVE)
    awa_group = awa.locator(".card-group", has_text="Jardiner ensemble")
    expect(awa_group.locator(".card")).to_have_count(2, timeout=LIVE)

    # Vote: two votes each, enforced; the group is voted on as one proposal.
    phase(console, "Vote")
    for page in (awa, bruno, member):
        garden = page.locator(".card-group", has_text="Jardiner ensemble")
        garden.get_by_role("button", name="Voter pour le groupe").click()
        expect(garden.get_by_role("button", name="Retirer mon vote du groupe")).to_be_visible(
            timeout=LIVE
        )
    cafe = card(awa, "Un repair café au marché")
    cafe.get_by_role("button", name="Voter").click()
    expect(cafe.get_by_role("button", name="Retirer mon vote")).to_be_visible(timeout=LIVE)
    expect(awa.locator("#votes-left")).to_have_text("Il vous reste 0 vote.")

    # Résultats: the projector ranks the proposals.
    phase(console, "Résultats")
    ranking = screen.locator(".screen-top li")
    expect(ranking.first).to_contain_text("Jardiner ensemble", timeout=POLL)
    expect(ranking.first.locator(".votes")).to_have_text("3")
    expect(ranking.nth(1)).to_contain_text("Un repair café au marché")
    expect(ranking.nth(1).locator(".votes")).to_have_text("1")

    # Clos: nothing more is written.
    phase(console, "Clos")
    expect(writable(member)).to_have_count(0, timeout=LIVE)
    assert Workshop.objects.get().status == Workshop.Status.CLOSED
