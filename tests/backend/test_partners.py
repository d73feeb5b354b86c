"""The partner directory, partner pages, and support requests between teams and partners."""

import pytest
from django.urls import reverse

from backend.partners import services
from backend.partners.models import SupportRequest
from realtime.errors import Conflict, Forbidden, Invalid
from tests.factories import make_partner, make_project, make_theme, make_user
from tests.web import post, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    owner, teammate, stranger, manager = (
        make_user("Awa"),
        make_user("Bruno"),
        make_user("Chloé"),
        make_user("Denis"),
    )
    project = make_project(owner, title="Repair Café", members=[teammate])
    partner = make_partner("France Active", steps=("financement", "garantie"), managers=[manager])
    return owner, teammate, stranger, manager, project, partner


def ask(actor, project, partner, step="financement", message="Nous cherchons un prêt."):
    return services.request_support(
        actor=actor, project_id=project.pk, partner_id=partner.pk, step=step, message=message
    )


def test_the_directory_groups_partners_by_step_in_the_order_of_the_chain(client):
    make_partner("KissKissBankBank", steps=("financement",))
    make_partner("My Social Business Model", steps=("test",))
    make_partner("Atelier Île-de-France", steps=("formation", "financement"))
    response = client.get(reverse("partners:directory"))
    groups = [
        (group["step"], [offer.partner.name for offer in group["offers"]])
        for group in response.context["groups"]
    ]
    assert groups == [
        ("test", ["My Social Business Model"]),
        ("formation", ["Atelier Île-de-France"]),
        ("financement", ["Atelier Île-de-France", "KissKissBankBank"]),
    ]
    filtered = client.get(reverse("partners:directory"), {"etape": "test"})
    assert [g["step"] for g in filtered.context["groups"]] == ["test"]
    assert "KissKissBankBank" not in filtered.content.decode()


def test_the_directory_filters_by_theme_and_ignores_an_unknown_step(client):
    make_partner("Sceaux Smart", steps=("hebergement",), themes=[make_theme("Emploi")])
    make_partner("microDON", steps=("micro-don",))
    response = client.get(reverse("partners:directory"), {"thematique": "emploi"})
    assert [g["step"] for g in response.context["groups"]] == ["hebergement"]
    unknown = client.get(reverse("partners:directory"), {"etape": "<script>"})
    assert unknown.status_code == 200 and len(unknown.context["groups"]) == 2
    assert "<script>" not in unknown.content.decode()


def test_the_directory_costs_the_same_queries_with_many_partners(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_partner("Un", steps=("test",), themes=[make_theme("Emploi")])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("partners:directory"))
    for n in range(12):
        make_partner(f"Partenaire {n}", steps=("test", "formation", "financement"))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("partners:directory"))
    assert len(many) == len(few) <= 3


def test_a_team_member_asks_and_the_partner_accepts(scene):
    owner, teammate, stranger, manager, project, partner = scene
    request = ask(teammate, project, partner)
    assert request.status == SupportRequest.Status.PENDING and request.requested_by == teammate
    answered = services.answer_request(
        actor=manager, request_id=request.pk, accept=True, answer="Rendez-vous mardi."
    )
    assert answered.status == SupportRequest.Status.ACCEPTED
    assert answered.answered_by == manager and answered.answered_at is not None
    from backend.partners.selectors import accompanying

    assert accompanying(project) == [partner]


@pytest.mark.parametrize(
    ("who", "step", "message", "refusal"),
    [
        ("stranger", "financement", "Bonjour", Forbidden),  # not in the team
        ("owner", "test", "Bonjour", Invalid),  # a step the partner does not offer
        ("owner", "financement", "   ", Invalid),  # nothing said
        ("owner", "financement", "x" * 2001, Invalid),  # too long
    ],
)
def test_a_bad_request_is_refused_and_writes_nothing(scene, who, step, message, refusal):
    owner, teammate, stranger, manager, project, partner = scene
    actor = {"owner": owner, "stranger": stranger}[who]
    with pytest.raises(refusal):
        ask(actor, project, partner, step=step, message=message)
    assert not SupportRequest.objects.exists()


def test_one_pending_request_per_step_then_asking_again_after_an_answer(scene):
    owner, teammate, stranger, manager, project, partner = scene
    first = ask(owner, project, partner)
    with pytest.raises(Conflict):
        ask(teammate, project, partner)
    ask(owner, project, partner, step="garantie")  # another step: fine
    services.answer_request(actor=manager, request_id=first.pk, accept=False)
    assert ask(owner, project, partner).status == SupportRequest.Status.PENDING


def test_only_the_partner_answers_and_only_once(scene):
    owner, teammate, stranger, manager, project, partner = scene
    request = ask(owner, project, partner)
    for intruder in (owner, stranger):
        with pytest.raises(Forbidden):
            services.answer_request(actor=intruder, request_id=request.pk, accept=True)
    with pytest.raises(Invalid):
        services.answer_request(
            actor=manager, request_id=request.pk, accept=True, answer="x" * 2001
        )
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.PENDING and request.answer == ""
    services.answer_request(
        actor=manager, request_id=request.pk, accept=False, answer="Pas cette année."
    )
    with pytest.raises(Conflict):
        services.answer_request(actor=manager, request_id=request.pk, accept=True)
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.DECLINED


def test_the_partner_page_shows_offers_accompanied_projects_and_escapes_text(client, scene):
    owner, teammate, stranger, manager, project, partner = scene
    partner.description = "<script>alert(1)</script> Financer l'ESS"
    partner.save()
    request = ask(owner, project, partner)
    services.answer_request(actor=manager, request_id=request.pk, accept=True)
    html = client.get(partner.get_absolute_url()).content.decode()
    assert "Garantie de prêt" in html and "Repair Café" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert client.get(reverse("partners:detail", args=["inconnu"])).status_code == 404


def test_asking_through_the_page_and_answering_it(scene):
    owner, teammate, stranger, manager, project, partner = scene
    awa = signed_in(owner)
    url = reverse("partners:ask", args=[partner.slug])
    response = post(awa, url, {"project": project.pk, "step": "garantie", "message": "Un prêt ?"})
    assert response.status_code == 302
    request = SupportRequest.objects.get()
    assert (request.project, request.step) == (project, "garantie")
    # The team sees its request; the partner sees it with the buttons to answer.
    assert "Un prêt ?" in awa.get(partner.get_absolute_url()).content.decode()
    denis = signed_in(manager)
    page = denis.get(partner.get_absolute_url()).content.decode()
    assert "Un prêt ?" in page and reverse("partners:answer", args=[request.pk]) in page
    answer_url = reverse("partners:answer", args=[request.pk])
    # Someone else cannot answer, not even the team.
    assert post(awa, answer_url, {"decision": "accept"}).status_code == 403
    assert post(denis, answer_url, {"decision": "accept", "answer": "Oui"}).status_code == 302
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.ACCEPTED and request.answer == "Oui"
    # Both sides find the history on their requests page.
    assert "Oui" in awa.get(reverse("partners:requests")).content.decode()
    assert "Un prêt ?" in denis.get(reverse("partners:requests")).content.decode()


def test_someone_outside_the_team_cannot_ask_for_the_project(scene):
    owner, teammate, stranger, manager, project, partner = scene
    chloe = signed_in(stranger)
    url = reverse("partners:ask", args=[partner.slug])
    response = post(chloe, url, {"project": project.pk, "step": "garantie", "message": "Moi"})
    assert response.status_code == 400
    assert not SupportRequest.objects.exists()
    # Nor read the team's requests on the partner page.
    ask(owner, project, partner, message="Confidentiel")
    assert "Confidentiel" not in chloe.get(partner.get_absolute_url()).content.decode()
    assert client_redirects_to_sign_in(url)


def client_redirects_to_sign_in(url: str) -> bool:
    from django.test import Client

    response = Client().post(url, {})
    return response.status_code == 302 and reverse("accounts:login") in response["Location"]
