"""Calls for skills: who is told (exactly the matching people, each once), answering,
the team's decision, and the pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.calls import services
from backend.calls.models import Call, Response
from backend.projects import services as projects
from backend.projects.models import Membership
from backend.territories.models import Neighbourhood, Skill
from notifications.models import Channel, Kind, Notification, Preference
from realtime.errors import Conflict, Forbidden, Invalid
from tests.factories import make_project, make_territory, make_theme, make_user
from tests.web import post, signed_in

pytestmark = pytest.mark.django_db(transaction=True)  # notifications leave after commit


@pytest.fixture
def skills():
    return {
        name: Skill.objects.create(name=name.capitalize(), slug=name, is_managed=True)
        for name in ("graphisme", "communication", "cuisine")
    }


def person(name, *have, skills):
    user = make_user(name)
    user.skills.set([skills[s] for s in have])
    return user


def publish(actor, project, known, *wanted, **overrides):
    fields = {
        "title": "Une affiche pour le repair café",
        "description": "Dessiner l'affiche de la rentrée.",
        "time_asked": "2 h par semaine",
        "skills": [known[s] for s in wanted],
    }
    return services.publish_call(actor=actor, project_id=project.pk, **{**fields, **overrides})


def told(kind) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_exactly_the_matching_people_are_told_each_once(skills):
    owner = person("Awa", "graphisme", skills=skills)
    teammate = person("Théo", "graphisme", skills=skills)
    project = make_project(owner, title="Repair Café", members=[teammate])
    person("Bruno", "graphisme", skills=skills)
    person("Chloé", "graphisme", "communication", skills=skills)  # two skills: told once
    person("Denis", "communication", skills=skills)
    person("Emma", "cuisine", skills=skills)  # not sought
    muted = person("Fanny", "graphisme", skills=skills)
    Preference.objects.create(user=muted, kind=Kind.CALL_MATCH, channel=Channel.OFF)
    follower = make_user("Gaston")
    projects.follow(actor=follower, project_id=project.pk)
    projects.follow(actor=make_user("Chloé Bis"), project_id=project.pk)
    chloe = Skill.objects.get(slug="graphisme").members.get(username="chloé")
    projects.follow(actor=chloe, project_id=project.pk)  # follows and matches: told once
    publish(owner, project, skills, "graphisme", "communication")
    assert told(Kind.CALL_MATCH) == ["bruno", "chloé", "denis"]
    assert told(Kind.CALL_FOLLOWED) == ["chloé bis", "gaston"]
    url = Call.objects.get().get_absolute_url()
    assert set(
        Notification.objects.filter(kind__startswith="call").values_list("url", flat=True)
    ) == {url}


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"skills": []}, Invalid),
        ({"title": ""}, Invalid),
        ({"description": "x" * 3001}, Invalid),
        ({"time_asked": " "}, Invalid),
        ({"closes_on": timezone.localdate() - timedelta(days=1)}, Invalid),
    ],
)
def test_a_bad_call_is_refused_and_tells_nobody(skills, overrides, refusal):
    owner = make_user("Awa")
    person("Bruno", "graphisme", skills=skills)
    with pytest.raises(refusal):
        publish(owner, make_project(owner), skills, "graphisme", **overrides)
    assert not Call.objects.exists() and not Notification.objects.exists()


def test_only_the_team_with_a_confirmed_address_publishes(skills):
    owner, stranger = make_user("Awa"), make_user("Bruno")
    project = make_project(owner)
    with pytest.raises(Forbidden):
        publish(stranger, project, skills, "graphisme")
    unconfirmed = make_user("Chloé", confirmed=False)
    Membership.objects.create(project=project, user=unconfirmed)
    with pytest.raises(Forbidden):
        publish(unconfirmed, project, skills, "graphisme")
    assert not Call.objects.exists()


def test_answering_and_the_teams_decision(skills):
    owner, teammate = make_user("Awa"), make_user("Théo")
    project = make_project(owner, title="Repair Café", members=[teammate])
    call = publish(owner, project, skills, "graphisme")
    bruno = person("Bruno", "graphisme", skills=skills)
    with pytest.raises(Invalid):
        services.answer_call(actor=teammate, call_id=call.pk, message="Moi !")
    with pytest.raises(Invalid):
        services.answer_call(actor=bruno, call_id=call.pk, message="x" * 2001)
    response = services.answer_call(actor=bruno, call_id=call.pk, message="Je dessine.")
    with pytest.raises(Conflict):
        services.answer_call(actor=bruno, call_id=call.pk, message="Encore moi")
    assert told(Kind.CALL_ANSWER) == ["awa", "théo"]
    with pytest.raises(Forbidden):
        services.decide(actor=make_user("Chloé"), response_id=response.pk, accept=True)
    services.decide(actor=teammate, response_id=response.pk, accept=True)
    assert projects.is_member(bruno, project)
    assert told(Kind.CALL_DECISION) == ["bruno"]
    with pytest.raises(Conflict):
        services.decide(actor=owner, response_id=response.pk, accept=False)
    services.set_status(actor=owner, call_id=call.pk, status=Call.Status.FILLED)
    with pytest.raises(Conflict):
        services.answer_call(actor=make_user("Denis"), call_id=call.pk, message="Trop tard ?")
    assert Response.objects.count() == 1


def test_the_pages_publish_list_answer_and_decide(client, skills):
    owner = make_user("Awa")
    project = make_project(owner, title="Repair Café")
    project.themes.add(make_theme("Environnement"))
    project.neighbourhood = Neighbourhood.objects.create(
        territory=make_territory(), name="Les Blagis", slug="les-blagis"
    )
    project.save()
    new = reverse("projects:new_call", args=[project.slug])
    data = {
        "title": "Une affiche",
        "description": "Pour la rentrée",
        "skills": [skills["graphisme"].pk],
        "time_asked": "Un samedi",
    }
    assert post(signed_in(make_user("Intrus")), new, data).status_code == 403
    assert post(signed_in(owner), new, {**data, "skills": []}).status_code == 400
    assert post(signed_in(owner), new, data).status_code == 302
    call = Call.objects.get()
    for query in (
        {"skill": "graphisme"},
        {"theme": "environnement"},
        {"neighbourhood": "les-blagis"},
    ):
        listed = client.get(reverse("calls:list"), query)
        assert [c.title for c in listed.context["page"]] == ["Une affiche"], query
    assert list(client.get(reverse("calls:list"), {"skill": "cuisine"}).context["page"]) == []
    in_list = client.get(reverse("projects:list"), {"skill": "graphisme"}).context["page"]
    assert [p.title for p in in_list] == ["Repair Café"]
    bruno = person("Bruno", "graphisme", skills=skills)
    bruno_client = signed_in(bruno)
    answer = reverse("calls:answer", args=[call.pk])
    assert post(bruno_client, answer, {"message": ""}).status_code == 400
    assert post(bruno_client, answer, {"message": "Je dessine"}).status_code == 302
    response = Response.objects.get()
    page = signed_in(owner).get(call.get_absolute_url()).content.decode()
    assert "Je dessine" in page
    assert "Je dessine" not in client.get(call.get_absolute_url()).content.decode()
    decide = reverse("calls:decide", args=[response.pk])
    assert post(bruno_client, decide, {"decision": "accept"}).status_code == 403
    post(signed_in(owner), decide, {"decision": "accept"})
    assert projects.is_member(bruno, project)
    post(signed_in(owner), reverse("calls:status", args=[call.pk]), {"status": "filled"})
    assert "Cet appel est pourvu" in client.get(call.get_absolute_url()).content.decode()
