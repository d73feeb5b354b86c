"""Who may do what, as a table: each role and each action of the project, partner and need
pages → allowed, or refused (403, or the sign-in page for anonymous people) with the
database unchanged."""

import pytest
from django.test import Client
from django.urls import reverse

from backend.needs import services as needs
from backend.needs.models import Answer, Need
from backend.partners import services as partners
from backend.partners.models import SupportRequest
from backend.projects.models import Follow, Invitation, Membership, Project
from tests.factories import make_partner, make_project, make_territory, make_user
from tests.web import post, signed_in

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "team", "owner", "partner", "moderator")


@pytest.fixture
def world():
    people = {
        "owner": make_user("Awa"),
        "team": make_user("Bruno"),
        "member": make_user("Chloé"),
        "partner": make_user("Denis"),
        "moderator": make_user("Louise", moderator=True),
        "outsider": make_user("Emma"),
    }
    project = make_project(people["owner"], title="Repair Café", members=[people["team"]])
    partner = make_partner(
        "France Active", steps=("financement", "garantie"), managers=[people["partner"]]
    )
    request = partners.request_support(
        actor=people["owner"],
        project_id=project.pk,
        partner_id=partner.pk,
        step="financement",
        message="Un prêt ?",
    )
    need = needs.publish_need(
        actor=people["moderator"], territory=make_territory(), title="Réparer", description="…"
    )
    return {
        "people": people,
        "project": project,
        "partner": partner,
        "request": request,
        "need": need,
    }


def state() -> tuple:
    """Everything these actions could change."""
    return (
        list(Project.objects.values_list("id", "title", "stage", "owner_id").order_by("id")),
        list(Membership.objects.values_list("project_id", "user_id", "role").order_by("id")),
        list(Invitation.objects.values_list("invited_id", "status").order_by("id")),
        list(Follow.objects.values_list("user_id").order_by("id")),
        list(Need.objects.values_list("id", "title", "status").order_by("id")),
        list(Answer.objects.values_list("need_id", "project_id").order_by("id")),
        list(SupportRequest.objects.values_list("id", "status", "step").order_by("id")),
    )


def actions(w) -> dict:
    p, slug, people = w["project"], w["project"].slug, w["people"]
    need = w["need"].slug
    return {
        "create project": (reverse("projects:create"), {"title": "Nouveau", "stage": "idee"}),
        "edit project": (
            reverse("projects:edit", args=[slug]),
            {"title": "Repair Café bis", "stage": "test"},
        ),
        "invite": (reverse("projects:invite", args=[slug]), {"identifier": "emma"}),
        "hand over": (reverse("projects:transfer", args=[slug]), {"to_user": people["team"].pk}),
        "leave": (reverse("projects:leave", args=[slug]), {}),
        "follow": (reverse("projects:follow", args=[slug]), {}),
        "ask a partner": (
            reverse("partners:ask", args=[w["partner"].slug]),
            {"project": p.pk, "step": "garantie", "message": "Une garantie ?"},
        ),
        "answer a request": (
            reverse("partners:answer", args=[w["request"].pk]),
            {"decision": "accept"},
        ),
        "publish a need": (reverse("needs:create"), {"title": "Un besoin", "description": "…"}),
        "edit a need": (
            reverse("needs:edit", args=[need]),
            {"title": "Réparer", "description": "…", "status": "closed"},
        ),
        "say the project answers a need": (
            reverse("needs:declare", args=[need]),
            {"project": p.pk},
        ),
    }


# action → the roles allowed to do it.
ALLOWED = {
    "create project": {"member", "team", "owner", "partner", "moderator"},
    "edit project": {"team", "owner"},
    "invite": {"owner"},
    "hand over": {"owner"},
    "leave": {"team"},
    "follow": {"member", "team", "owner", "partner", "moderator"},
    "ask a partner": {"team", "owner"},
    "answer a request": {"partner"},
    "publish a need": {"moderator"},
    "edit a need": {"moderator"},
    "say the project answers a need": {"owner"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_permissions_table(world, role, action):
    url, data = actions(world)[action]
    client = (
        Client(enforce_csrf_checks=True)
        if role == "anonymous"
        else signed_in(world["people"][role])
    )
    if role == "anonymous":  # the sign-in form sets the CSRF cookie (cached pages hold none)
        client.get(reverse("accounts:login"))
    before = state()
    response = post(client, url, data)
    changed = state() != before
    if role in ALLOWED[action]:
        assert response.status_code == 302, response.content.decode()[:500]
        assert changed, f"{role} may {action}, but nothing changed"
    else:
        assert not changed, f"{role} may not {action}, yet the database changed"
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts:login"))
        else:
            assert response.status_code in (302, 400, 403, 404), response.status_code
