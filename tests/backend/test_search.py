"""Search: accent- and case-insensitive in French, ranked, on SQLite and on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.needs import services as needs
from backend.search.models import Document
from backend.search.queries import search
from backend.search.text import fold
from tests.factories import make_partner, make_project, make_territory, make_theme, make_user

pytestmark = pytest.mark.django_db(transaction=True)  # documents are written after commit


def titles(query: str, **kwargs) -> list[str]:
    return [document.title for document in search(query, **kwargs)]


def test_folding_drops_accents_case_and_ligatures():
    assert fold("  Équipe  ŒUVRE\tÉlève ") == "equipe oeuvre eleve"


def test_equipe_finds_equipe_with_its_accent_and_capital():
    owner = make_user("Awa")
    make_project(owner, title="Une Équipe de quartier")
    make_project(owner, title="Jardins partagés")
    assert titles("equipe") == ["Une Équipe de quartier"]
    assert titles("ÉQUIPE quartier") == ["Une Équipe de quartier"]
    assert titles("jardin partage") == ["Jardins partagés"]
    assert titles("equipe jardins") == []  # every word must match


def test_projects_needs_partners_and_members_are_searched_together_and_ranked():
    owner = make_user("Awa Réparatrice")
    moderator = make_user("Louise", moderator=True)
    project = make_project(owner, title="Mutum & Repair Café")
    project.summary = "Réparer ensemble"
    project.save()
    make_project(owner, title="Repair")  # the whole title: first
    needs.publish_need(
        actor=moderator,
        territory=make_territory(),
        title="Ateliers de réemploi",
        description="Un repair café dans chaque quartier.",
    )
    make_partner("La Recyclerie", steps=("test",)).offers.update(description="repair")
    found = [(d.kind, d.title) for d in search("repair")]
    assert found[0] == ("project", "Repair")
    assert found[1] == ("project", "Mutum & Repair Café")  # the word in the title
    assert set(found[2:]) == {("need", "Ateliers de réemploi")}  # only in the text
    assert titles("reparatrice") == ["Awa Réparatrice"]


def test_the_partner_offers_and_theme_changes_reach_the_index():
    partner = make_partner("France Active", steps=("garantie",))
    assert titles("garantie") == ["France Active"]  # the offer's text
    partner.themes.add(make_theme("Emploi et entrepreneuriat"))
    assert titles("entrepreneuriat") == ["France Active"]
    partner.delete()
    assert not Document.objects.filter(kind="partner").exists()


def test_themes_changed_from_the_theme_s_side_reach_the_index():
    active, ess = make_partner("France Active"), make_partner("Réseau ESS")
    theme = make_theme("Agriculture urbaine")
    theme.partners.add(active, ess)
    assert sorted(titles("agriculture")) == ["France Active", "Réseau ESS"]
    theme.partners.remove(ess)
    assert titles("agriculture") == ["France Active"]
    theme.partners.clear()
    assert titles("agriculture") == []


def test_the_search_page_groups_counts_and_escapes(client):
    owner = make_user("Awa")
    make_project(owner, title="<b>Équipe</b> verte")
    make_partner("Équipe d'appui", steps=("formation",))
    response = client.get(reverse("search:search"), {"q": "equipe"})
    html = response.content.decode()
    assert "2 résultats" in html
    assert "&lt;b&gt;Équipe&lt;/b&gt; verte" in html and "<b>Équipe</b>" not in html
    only = client.get(reverse("search:search"), {"q": "equipe", "type": "partenaires"})
    assert [r.title for r in only.context["page"]] == ["Équipe d'appui"]


def test_empty_odd_and_huge_queries_answer_calmly(client):
    make_project(make_user("Awa"), title="100% solidaire_")
    for query in ("", "   ", "%", "_", "a", "x" * 5000, "' OR 1=1 --"):
        response = client.get(reverse("search:search"), {"q": query})
        assert response.status_code == 200
        assert list(response.context["page"]) == []
    assert titles("100%") == ["100% solidaire_"]


def test_the_search_page_costs_the_same_queries_with_many_results(client):
    owner = make_user("Awa")
    make_project(owner, title="Repair 0")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("search:search"), {"q": "repair"})
    for n in range(1, 30):
        make_project(owner, title=f"Repair {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("search:search"), {"q": "repair"})
    assert len(many) == len(few) <= 4


def test_members_are_found_by_what_they_show_only():
    from backend.accounts import services as accounts
    from backend.territories.models import Skill

    awa, bruno = make_user("Awa"), make_user("Bruno")
    couture = Skill.objects.create(name="Couture", slug="couture", is_managed=True)
    for person, shown in ((awa, ["skills"]), (bruno, [])):
        accounts.update_profile(
            actor=person,
            user_id=person.pk,
            display_name=person.display_name,
            kind="person",
            skills=[couture],
            public_fields=shown,
        )
    assert titles("couture") == ["Awa"]
