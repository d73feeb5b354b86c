"""A call for skills reaches the right person live, in a real browser, on whatever page they
have open; the answer and the decision travel back the same way; then the new teammates talk
in their team room."""

import pytest
from playwright.sync_api import expect

from backend.territories.models import Skill
from tests.factories import make_project, make_user

pytestmark = pytest.mark.django_db(transaction=True)

LIVE = 2000  # ms


def test_a_call_reaches_the_graphic_designer_live_and_the_decision_comes_back(person):
    graphisme = Skill.objects.create(name="Graphisme", slug="graphisme", is_managed=True)
    awa, bruno = make_user("Awa"), make_user("Bruno")
    bruno.skills.add(graphisme)
    project = make_project(awa, title="Repair Café")

    b = person(bruno)
    b.goto("/partenaires/")  # any page: the bell listens everywhere
    expect(b.locator("#bell-count")).to_have_text("0")

    a = person(awa)
    a.goto(f"/projets/{project.slug}/appels/nouveau/")
    a.get_by_label("Titre").fill("Une affiche pour la rentrée")
    a.get_by_label("De quoi s'agit-il ?").fill("Dessiner l'affiche du repair café.")
    a.get_by_label("Graphisme").check()
    a.get_by_label("Temps demandé").fill("Un samedi")
    a.get_by_role("button", name="Publier l'appel").click()
    expect(a.get_by_role("heading", level=1)).to_have_text("Une affiche pour la rentrée")

    toast = b.locator("#toasts .toast")
    expect(toast).to_contain_text("cherche vos compétences", timeout=LIVE)
    expect(b.locator("#bell-count")).to_have_text("1")
    toast.get_by_role("link").click()
    b.get_by_label("Votre réponse").fill("Je dessine volontiers l'affiche.")
    b.get_by_role("button", name="Envoyer ma réponse").click()
    expect(b.locator(".messages")).to_contain_text("Votre réponse est partie")

    expect(a.locator("#toasts .toast")).to_contain_text("Bruno répond", timeout=LIVE)
    a.reload()
    a.get_by_role("button", name="Accepter dans l'équipe").click()

    expect(b.locator("#toasts .toast").last).to_contain_text(
        "Bienvenue dans l'équipe", timeout=LIVE
    )
    b.goto(project.get_absolute_url())
    expect(b.locator("#equipe-section")).to_contain_text("Bruno")

    # Now in the team, Bruno opens the team room from the project page; Awa is there too.
    b.get_by_role("link", name="Équipe", exact=True).click()
    expect(b.locator("#connection")).to_have_attribute("data-state", "connected")
    a.goto(b.url)
    expect(a.locator("#connection")).to_have_attribute("data-state", "connected")
    a.get_by_label("Votre message").press_sequentially("Bienvenue Bruno")
    expect(b.locator("#chat-typing")).to_have_text("Awa écrit…", timeout=LIVE)
    a.get_by_label("Votre message").press("Enter")
    expect(b.locator(".chat-message", has_text="Bienvenue Bruno")).to_be_visible(timeout=LIVE)
    b.get_by_label("Votre message").press_sequentially("Merci, l'affiche arrive")
    expect(a.locator("#chat-typing")).to_have_text("Bruno écrit…", timeout=LIVE)
    b.get_by_label("Votre message").press("Enter")
    expect(a.locator(".chat-message", has_text="l'affiche arrive")).to_be_visible(timeout=LIVE)
