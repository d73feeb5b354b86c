"""The town's needs, the projects that answer them, and the theme pages."""

import pytest
from django.urls import reverse

from backend.needs import services
from backend.needs.models import Answer, Need
from realtime.errors import Conflict, Forbidden, Invalid
from tests.factories import make_partner, make_project, make_territory, make_theme, make_user
from tests.web import post, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    moderator, owner, member = (
        make_user("Louise", moderator=True),
        make_user("Awa"),
        make_user("Bruno"),
    )
    project = make_project(owner, title="VoisinAge", members=[member])
    need = services.publish_need(
        actor=moderator,
        territory=make_territory(),
        title="Rompre l'isolement des aînés",
        description="Des visites le dimanche.",
        themes=[make_theme("Solidarité")],
    )
    return moderator, owner, member, project, need


def test_only_the_town_publishes_needs_and_bad_input_writes_nothing():
    citizen, moderator = make_user("Awa"), make_user("Louise", moderator=True)
    territory = make_territory()
    with pytest.raises(Forbidden):
        services.publish_need(
            actor=citizen, territory=territory, title="Un besoin", description="…"
        )
    for title, description in (("", "Des visites"), ("x" * 121, "Des visites"), ("Titre", " ")):
        with pytest.raises(Invalid):
            services.publish_need(
                actor=moderator, territory=territory, title=title, description=description
            )
    assert not Need.objects.exists()
    first = services.publish_need(
        actor=moderator, territory=territory, title="Jardins", description="…"
    )
    second = services.publish_need(
        actor=moderator, territory=territory, title="Jardins", description="…"
    )
    assert (first.slug, second.slug) == ("jardins", "jardins-2")


def test_the_owner_declares_the_project_answers_and_the_need_is_answered(town):
    moderator, owner, member, project, need = town
    for intruder in (member, moderator):  # a team member is not the owner
        with pytest.raises(Forbidden):
            services.declare_answer(actor=intruder, need_id=need.pk, project_id=project.pk)
    services.declare_answer(actor=owner, need_id=need.pk, project_id=project.pk)
    need.refresh_from_db()
    assert need.status == Need.Status.ANSWERED
    assert list(need.projects.all()) == [project]
    with pytest.raises(Conflict):
        services.declare_answer(actor=owner, need_id=need.pk, project_id=project.pk)
    services.withdraw_answer(actor=owner, need_id=need.pk, project_id=project.pk)
    assert not Answer.objects.exists()


def test_a_closed_need_takes_no_more_answers(town):
    moderator, owner, member, project, need = town
    services.update_need(
        actor=moderator,
        need_id=need.pk,
        title=need.title,
        description=need.description,
        status=Need.Status.CLOSED,
    )
    with pytest.raises(Conflict):
        services.declare_answer(actor=owner, need_id=need.pk, project_id=project.pk)
    assert not Answer.objects.exists()


def test_the_list_filters_by_status_and_theme(client, town):
    moderator, owner, member, project, need = town
    services.publish_need(
        actor=moderator, territory=make_territory(), title="Pistes cyclables", description="…"
    )
    services.declare_answer(actor=owner, need_id=need.pk, project_id=project.pk)
    titles = lambda response: [n.title for n in response.context["needs"]]  # noqa: E731
    assert titles(client.get(reverse("needs:list"))) == ["Pistes cyclables", need.title]
    assert titles(client.get(reverse("needs:list"), {"statut": "open"})) == ["Pistes cyclables"]
    assert titles(client.get(reverse("needs:list"), {"thematique": "solidarite"})) == [need.title]


def test_publishing_through_the_page(town):
    moderator, owner, member, project, need = town
    url = reverse("needs:create")
    assert post(signed_in(owner), url, {"title": "X", "description": "Y"}).status_code == 403
    louise = signed_in(moderator)
    assert post(louise, url, {"title": "", "description": "Y"}).status_code == 400
    response = post(louise, url, {"title": "Un local associatif", "description": "Pour se réunir."})
    created = Need.objects.get(title="Un local associatif")
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    edit = reverse("needs:edit", args=[created.slug])
    data = {"title": "Un local associatif", "description": "Pour se réunir.", "status": "closed"}
    assert post(louise, edit, data).status_code == 302
    created.refresh_from_db()
    assert created.status == Need.Status.CLOSED


def test_declaring_through_the_need_page(client, town):
    moderator, owner, member, project, need = town
    awa = signed_in(owner)
    page = awa.get(need.get_absolute_url()).content.decode()
    assert "Mon projet répond à ce besoin" in page
    assert (
        "Mon projet répond à ce besoin"
        not in signed_in(member).get(need.get_absolute_url()).content.decode()
    )
    url = reverse("needs:declare", args=[need.slug])
    assert post(signed_in(member), url, {"project": project.pk}).status_code == 302
    assert not Answer.objects.exists()  # not one of their projects: nothing declared
    assert post(awa, url, {"project": project.pk}).status_code == 302
    assert "VoisinAge" in client.get(need.get_absolute_url()).content.decode()


def test_a_theme_page_gathers_needs_and_partners(client, town):
    moderator, owner, member, project, need = town
    make_partner("microDON", steps=("micro-don",), themes=[make_theme("Solidarité")])
    make_partner("Sceaux Smart", steps=("hebergement",))
    html = client.get(reverse("themes:detail", args=["solidarite"])).content.decode()
    assert need.title.replace("'", "&#x27;") in html and "microDON" in html
    assert "Sceaux Smart" not in html
    make_project(owner, title="Voisins solidaires").themes.add(make_theme("Solidarité"))
    make_project(owner, title="Chorale")
    html = client.get(reverse("themes:detail", args=["solidarite"])).content.decode()
    assert "Voisins solidaires" in html and "Chorale" not in html
    shown, hidden = make_user("Chloé"), make_user("Denis")
    for person, fields in ((shown, ["themes"]), (hidden, [])):
        person.public_fields = fields
        person.save()
        person.themes.add(make_theme("Solidarité"))
    html = client.get(reverse("themes:detail", args=["solidarite"])).content.decode()
    assert "Chloé" in html and "Denis" not in html
    assert client.get(reverse("themes:detail", args=["inconnue"])).status_code == 404
