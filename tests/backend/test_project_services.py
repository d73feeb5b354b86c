"""Projects and their teams, through the services: who may do what, and bad input."""

import pytest

from backend.needs import services as needs
from backend.projects import services
from backend.projects.markdown import render
from backend.projects.models import Follow, Invitation, Membership, Project, Stage
from realtime.errors import Conflict, Forbidden, Invalid, NotFound
from tests.factories import make_project, make_territory, make_theme, make_user

pytestmark = pytest.mark.django_db


def create(actor, **overrides):
    fields = {
        "title": "Repair Café",
        "summary": "Réparer ensemble plutôt que jeter.",
        "description": "Un samedi par mois au marché.",
        "stage": Stage.TEST,
        "links": ["https://repair.example.org"],
    }
    return services.create_project(
        actor=actor, territory=make_territory(), **{**fields, **overrides}
    )


def test_a_confirmed_member_creates_a_project_and_owns_it():
    awa = make_user("Awa")
    louise = make_user("Louise", moderator=True)
    need = needs.publish_need(
        actor=louise, territory=make_territory(), title="Réparer plutôt que jeter", description="…"
    )
    project = create(awa, themes=[make_theme("Environnement")], needs=[need])
    assert (project.slug, project.stage, project.owner) == ("repair-cafe", "test", awa)
    assert list(project.memberships.values_list("user__username", "role")) == [("awa", "owner")]
    assert [t.name for t in project.themes.all()] == ["Environnement"]
    assert list(need.projects.all()) == [project]
    assert create(awa).slug == "repair-cafe-2"


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"title": " "}, Invalid),
        ({"title": "x" * 121}, Invalid),
        ({"summary": "x" * 201}, Invalid),
        ({"description": "x" * 20001}, Invalid),
        ({"stage": "gloire"}, Invalid),
        ({"links": ["javascript:alert(1)"]}, Invalid),
        ({"links": [f"https://e.org/{n}" for n in range(6)]}, Invalid),
    ],
)
def test_bad_input_creates_nothing(overrides, refusal):
    with pytest.raises(refusal):
        create(make_user("Awa"), **overrides)
    assert not Project.objects.exists()


def test_publishing_waits_for_a_confirmed_address():
    with pytest.raises(Forbidden):
        create(make_user("Awa", confirmed=False))
    assert not Project.objects.exists()


def test_the_team_edits_the_project_and_no_one_else():
    awa, bruno, chloe = make_user("Awa"), make_user("Bruno"), make_user("Chloé")
    project = make_project(awa, members=[bruno])
    fields = {"title": "Nouveau titre", "stage": Stage.FUNDING}
    services.update_project(actor=bruno, project_id=project.pk, **fields)
    project.refresh_from_db()
    assert (project.title, project.stage) == ("Nouveau titre", "financement")
    with pytest.raises(Forbidden):
        services.update_project(actor=chloe, project_id=project.pk, title="Piraté")
    project.refresh_from_db()
    assert project.title == "Nouveau titre"


def test_invitations_leaving_and_handing_over():
    awa, bruno, chloe = make_user("Awa"), make_user("Bruno"), make_user("Chloé")
    project = make_project(awa)
    with pytest.raises(Forbidden):
        services.invite(actor=bruno, project_id=project.pk, identifier="chloe")
    with pytest.raises(Invalid):
        services.invite(actor=awa, project_id=project.pk, identifier="personne")
    invitation = services.invite(actor=awa, project_id=project.pk, identifier=bruno.email)
    with pytest.raises(Conflict):
        services.invite(actor=awa, project_id=project.pk, identifier="bruno")
    with pytest.raises(NotFound):  # someone else's invitation
        services.answer_invitation(actor=chloe, invitation_id=invitation.pk, accept=True)
    services.answer_invitation(actor=bruno, invitation_id=invitation.pk, accept=True)
    assert services.is_member(bruno, project)
    with pytest.raises(Conflict):
        services.answer_invitation(actor=bruno, invitation_id=invitation.pk, accept=True)
    with pytest.raises(Conflict):
        services.invite(actor=awa, project_id=project.pk, identifier="bruno")
    with pytest.raises(Invalid):  # the owner hands over before leaving
        services.leave(actor=awa, project_id=project.pk)
    with pytest.raises(Invalid):
        services.transfer(actor=awa, project_id=project.pk, to_user_id=chloe.pk)  # not in team
    services.transfer(actor=awa, project_id=project.pk, to_user_id=bruno.pk)
    project.refresh_from_db()
    assert project.owner == bruno
    roles = dict(project.memberships.values_list("user__username", "role"))
    assert roles == {"awa": Membership.Role.MEMBER, "bruno": Membership.Role.OWNER}
    services.leave(actor=awa, project_id=project.pk)
    assert not services.is_member(awa, project)
    assert Invitation.objects.get().status == Invitation.Status.ACCEPTED


def test_following_is_idempotent():
    awa = make_user("Awa")
    project = make_project(make_user("Bruno"))
    assert services.follow(actor=awa, project_id=project.pk) is True
    assert services.follow(actor=awa, project_id=project.pk) is False
    assert Follow.objects.count() == 1
    services.unfollow(actor=awa, project_id=project.pk)
    assert not Follow.objects.exists()


@pytest.mark.parametrize(
    ("markdown", "present", "absent"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;", "<script"),
        ("[x](javascript:alert(1))", "", 'href="javascript'),
        ("<img src=x onerror=alert(1)>", "&lt;img", "<img"),
        ("[ok](https://exemple.fr)", 'rel="nofollow noopener noreferrer"', "onerror"),
        ("# Titre\n\n**gras**", "<h2>Titre</h2>", "<h1>"),
        ('<a href="https://x" onclick="y">a</a>', "&lt;a", '<a href="https://x"'),
    ],
)
def test_markdown_is_rendered_without_anything_executable(markdown, present, absent):
    html = str(render(markdown))
    assert present in html and absent not in html
