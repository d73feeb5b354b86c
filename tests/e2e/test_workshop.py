"""A whole workshop in real browsers: a facilitator sets it up and runs every phase from the
console; two guests on phone-sized screens and a member join with the code; cards stay
hidden until the reveal; ideas are grouped and voted; the projector shows the ranking."""

import re

import pytest
from playwright.sync_api import expect

from backend.workshops.models import Workshop
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

LIVE = 2000  # ms: what "at once" means in these tests
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

    awa = join_as_guest(person(viewport=PHONE), code, "Awa")
    bruno = join_as_guest(person(viewport=PHONE), code, "Bruno")
    member = person(chloe)
    member.goto(f"/w/{code.lower()}")
    member.get_by_label("Table").select_option("1")
    member.get_by_role("button", name="Participer en tant que Chloé").click()
    connected(member)

    # Accueil: nobody writes yet.
    expect(writable(awa)).to_have_count(0)

    # Idées, hidden: each sees their own cards and the count of the others'.
    phase(console, "Idées")
    expect(writable(awa)).to_have_count(1, timeout=LIVE)
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

    # Vote: two votes each, enforced.
    phase(console, "Vote")
    for page, texts in (
        (awa, ["Un potager partagé", "Des jardins sur les toits"]),
        (bruno, ["Un potager partagé"]),
        (member, ["Un potager partagé"]),
    ):
        for text in texts:
            card(page, text).get_by_role("button", name="Voter").click()
            expect(card(page, text).get_by_role("button", name="Retirer mon vote")).to_be_visible(
                timeout=LIVE
            )
    expect(awa.locator("#votes-left")).to_have_text("Il vous reste 0 vote.")

    # Résultats: the projector ranks the proposals.
    phase(console, "Résultats")
    screen = person()
    screen.goto(f"/ateliers/{workshop.pk}/ecran/")
    ranking = screen.locator(".screen-top li")
    expect(ranking.first).to_contain_text("Un potager partagé")
    expect(ranking.first.locator(".votes")).to_have_text("3")
    expect(ranking.nth(1)).to_contain_text("Des jardins sur les toits")

    # Clos: nothing more is written.
    phase(console, "Clos")
    expect(writable(member)).to_have_count(0, timeout=LIVE)
    assert Workshop.objects.get().status == Workshop.Status.CLOSED
