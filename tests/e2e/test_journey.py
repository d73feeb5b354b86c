"""A newcomer's first steps, in a real browser: sign up, confirm the address from the e-mail,
create a project, find it, ask a partner for support; the partner accepts."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_partner, make_theme, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mailbox(tmp_path):
    return tmp_path


@pytest.fixture
def server(daphne_factory, mailbox):
    return daphne_factory(EMAIL_FILE_PATH=str(mailbox))


def confirmation_link(mailbox) -> str:
    mails = "".join(path.read_text() for path in mailbox.iterdir())
    return re.search(r"https?://[^\s]+/confirmer/[^\s]+/", mails).group(0)


def test_a_newcomer_creates_a_project_finds_it_and_gets_a_partner(person, mailbox):
    make_theme("Environnement")
    denis = make_user("Denis")
    make_partner("France Active", steps=("financement", "garantie"), managers=[denis])

    page = person()
    page.goto("/inscription/")
    page.get_by_label("Identifiant").fill("zoe")
    page.get_by_label("Nom affiché").fill("Zoé")
    page.get_by_label("Adresse e-mail").fill("zoe@example.org")
    page.locator("#id_password1").fill("un-mot-de-passe-solide-42")
    page.get_by_label("Confirmation du mot de passe").fill("un-mot-de-passe-solide-42")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator(".messages")).to_contain_text("Confirmez votre adresse")

    page.goto(confirmation_link(mailbox))
    expect(page.locator(".messages")).to_contain_text("votre adresse est confirmée")

    page.goto("/projets/nouveau/")
    page.get_by_label("Titre").fill("Repair Café des Blagis")
    page.get_by_label("En une ligne").fill("Réparer ensemble plutôt que jeter.")
    page.get_by_label("Étape").select_option(label="Test")
    page.get_by_label("Environnement").check()
    page.get_by_role("button", name="Publier le projet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Repair Café des Blagis")
    expect(page.locator('[aria-current="step"]')).to_have_text("Test")

    page.goto("/projets/")
    page.locator("#id_theme").select_option(label="Environnement")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator(".project-list")).to_contain_text("Repair Café des Blagis")

    page.get_by_label("Rechercher", exact=True).fill("repair cafe")
    page.keyboard.press("Enter")
    expect(page.locator(".results")).to_contain_text("Repair Café des Blagis")

    page.goto("/partenaires/france-active/")
    page.get_by_label("Étape de l'accompagnement").select_option(label="Garantie de prêt")
    page.get_by_label("Votre demande").fill("Nous cherchons une garantie pour un prêt.")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.locator(".messages")).to_contain_text("Votre demande est partie")

    partner_page = person(denis)
    partner_page.goto("/partenaires/france-active/")
    partner_page.get_by_role("button", name="Accepter").click()
    expect(partner_page.locator(".messages")).to_contain_text("Réponse envoyée")

    page.goto("/projets/repair-cafe-des-blagis/")
    expect(page.locator("#project-partners + ul")).to_contain_text("France Active")
