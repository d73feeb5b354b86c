"""Project pages: the list with filters, sorting and pages; a project's page; the team's forms."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.needs import services as needs
from backend.partners import services as partners
from backend.projects import services
from backend.projects.models import Invitation, Project, Stage
from backend.territories.models import Neighbourhood
from tests.factories import (
    make_board,
    make_partner,
    make_project,
    make_territory,
    make_theme,
    make_user,
)
from tests.web import post, signed_in

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [project.title for project in response.context["page"]]


def test_the_list_filters_by_theme_stage_neighbourhood_and_need(client):
    awa, louise = make_user("Awa"), make_user("Louise", moderator=True)
    green = make_theme("Environnement")
    blagis = Neighbourhood.objects.create(
        territory=make_territory(), name="Les Blagis", slug="les-blagis"
    )
    repair = make_project(awa, title="Repair Café")
    repair.themes.add(green)
    repair.stage, repair.neighbourhood = Stage.FUNDING, blagis
    repair.save()
    make_project(awa, title="Chorale")
    need = needs.publish_need(
        actor=louise, territory=make_territory(), title="Réparer", description="…"
    )
    needs.declare_answer(actor=awa, need_id=need.pk, project_id=repair.pk)
    url = reverse("projects:list")
    assert titles(client.get(url, {"theme": "environnement"})) == ["Repair Café"]
    assert titles(client.get(url, {"stage": "financement"})) == ["Repair Café"]
    assert titles(client.get(url, {"neighbourhood": "les-blagis"})) == ["Repair Café"]
    assert titles(client.get(url, {"need": need.slug})) == ["Repair Café"]
    assert titles(client.get(url, {"q": "chor"})) == ["Chorale"]
    assert sorted(titles(client.get(url, {"stage": "n-importe-quoi"}))) == [
        "Chorale",
        "Repair Café",
    ]


def test_sorting_by_followers_and_by_stage(client):
    awa = make_user("Awa")
    quiet, popular = make_project(awa, title="Calme"), make_project(awa, title="Populaire")
    for n in range(3):
        services.follow(actor=make_user(f"Fan {n}"), project_id=popular.pk)
    url = reverse("projects:list")
    assert titles(client.get(url, {"sort": "followed"})) == ["Populaire", "Calme"]
    quiet.stage = Stage.GROWTH
    quiet.save()
    assert titles(client.get(url, {"sort": "stage"})) == ["Calme", "Populaire"]


def test_the_list_is_paginated_and_its_queries_do_not_grow(client):
    awa = make_user("Awa")
    theme = make_theme("Solidarité")
    for n in range(3):
        make_project(awa, title=f"Projet {n:02}").themes.add(theme)
    url = reverse("projects:list")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(3, 30):
        make_project(awa, title=f"Projet {n:02}").themes.add(theme)
    with CaptureQueriesContext(connection) as many:
        first = client.get(url)
    assert len(many) == len(few)
    assert len(titles(first)) == 24 and first.context["page"].paginator.num_pages == 2
    assert len(titles(client.get(url, {"page": 2}))) == 6
    assert titles(client.get(url, {"page": 99})) == titles(client.get(url, {"page": 2}))
    assert 'rel="next"' in first.content.decode()


def test_the_project_page_shows_its_life_and_costs_the_same_queries_as_it_grows(client):
    awa, louise = make_user("Awa"), make_user("Louise", moderator=True)
    project = make_project(awa, title="Repair Café")
    project.description = "**Réparer** ensemble <script>alert(1)</script>"
    project.stage = Stage.TEST
    project.save()
    make_board(awa, project=project, title="Idées")
    partner = make_partner("France Active", managers=[louise])
    request = partners.request_support(
        actor=awa,
        project_id=project.pk,
        partner_id=partner.pk,
        step="financement",
        message="Un prêt",
    )
    partners.answer_request(actor=louise, request_id=request.pk, accept=True)
    with CaptureQueriesContext(connection) as few:
        html = client.get(project.get_absolute_url()).content.decode()
    assert "<strong>Réparer</strong>" in html and "<script>alert" not in html
    assert 'aria-current="step">Test</li>' in html
    assert "France Active" in html and "Un prêt" not in html  # the requests: team only
    assert "a proposé une idée" not in html and "a ouvert un tableau" in html
    for n in range(8):
        services.follow(actor=make_user(f"Fan {n}"), project_id=project.pk)
        make_board(awa, project=project, title=f"Tableau {n}")
        project.memberships.create(user=make_user(f"Membre {n}"))
    with CaptureQueriesContext(connection) as many:
        client.get(project.get_absolute_url())
    assert len(many) == len(few)
    assert "Un prêt" in signed_in(awa).get(project.get_absolute_url()).content.decode()


def test_creating_a_project_through_the_page():
    url = reverse("projects:create")
    data = {"title": "Jardin partagé", "summary": "Cultiver ensemble", "stage": "idee", "links": ""}
    unconfirmed = signed_in(make_user("Chloé", confirmed=False))
    assert post(unconfirmed, url, data).status_code == 400
    assert not Project.objects.exists()
    awa = make_user("Awa")
    response = post(signed_in(awa), url, data)
    project = Project.objects.get()
    assert response["Location"] == project.get_absolute_url()
    assert project.owner == awa and project.memberships.get().role == "owner"
    assert post(signed_in(awa), url, {**data, "title": ""}).status_code == 400


def test_only_the_team_edits_the_page():
    awa, bruno, chloe = make_user("Awa"), make_user("Bruno"), make_user("Chloé")
    project = make_project(awa, title="Repair Café", members=[bruno])
    url = reverse("projects:edit", args=[project.slug])
    data = {
        "title": "Repair Café du marché",
        "stage": "lancement",
        "links": "https://r.example.org",
    }
    assert signed_in(chloe).get(url).status_code == 403
    assert post(signed_in(chloe), url, data).status_code == 403
    assert post(signed_in(bruno), url, data).status_code == 302
    project.refresh_from_db()
    assert (project.title, project.stage) == ("Repair Café du marché", "lancement")


def test_the_team_forms_invite_join_hand_over_and_leave():
    awa, bruno = make_user("Awa"), make_user("Bruno")
    project = make_project(awa, title="Repair Café")
    awa_client, bruno_client = signed_in(awa), signed_in(bruno)
    slug = project.slug
    assert (
        post(
            bruno_client, reverse("projects:invite", args=[slug]), {"identifier": "awa"}
        ).status_code
        == 403
    )
    post(awa_client, reverse("projects:invite", args=[slug]), {"identifier": "bruno"})
    invitation = Invitation.objects.get()
    assert "Rejoindre l'équipe" in bruno_client.get(project.get_absolute_url()).content.decode()
    answer = reverse("projects:answer_invitation", args=[slug, invitation.pk])
    post(bruno_client, answer, {"decision": "accept"})
    assert services.is_member(bruno, project)
    post(awa_client, reverse("projects:transfer", args=[slug]), {"to_user": bruno.pk})
    project.refresh_from_db()
    assert project.owner == bruno
    post(awa_client, reverse("projects:leave", args=[slug]), {})
    assert not services.is_member(awa, project)


def test_following_from_the_page():
    awa = make_user("Awa")
    project = make_project(make_user("Bruno"))
    client = signed_in(awa)
    post(client, reverse("projects:follow", args=[project.slug]), {})
    assert "1 personne le suit" in client.get(project.get_absolute_url()).content.decode()
    post(client, reverse("projects:follow", args=[project.slug]), {"follow": "0"})
    assert project.follows.count() == 0


def test_the_home_page_shows_what_is_alive_in_constant_queries(client):
    awa, louise = make_user("Awa"), make_user("Louise", moderator=True)
    make_project(awa, title="Repair Café")
    needs.publish_need(actor=louise, territory=make_territory(), title="Des lieux", description="…")
    with CaptureQueriesContext(connection) as few:
        html = client.get("/").content.decode()
    assert "Repair Café" in html and "Des lieux" in html and "2 membres" in html
    for n in range(10):
        make_board(awa, project=make_project(awa, title=f"Projet {n}"))
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)


def test_a_project_image_is_resized_and_a_file_that_is_no_image_is_refused():
    import io

    from PIL import Image

    awa = make_user("Awa")
    project = make_project(awa, title="Repair Café")
    url = reverse("projects:edit", args=[project.slug])
    fake = io.BytesIO(b"GIF89a but not really")
    fake.name = "image.gif"
    data = {"title": "Repair Café", "stage": "idee", "links": ""}
    assert post(signed_in(awa), url, {**data, "image": fake}).status_code == 400
    project.refresh_from_db()
    assert not project.image
    picture = io.BytesIO()
    Image.new("RGB", (3000, 2000), (10, 120, 60)).save(picture, "JPEG")
    picture.name = "photo.jpg"
    picture.seek(0)
    assert post(signed_in(awa), url, {**data, "image": picture}).status_code == 302
    project.refresh_from_db()
    with Image.open(project.image.path) as stored:
        assert (stored.format, stored.size) == ("WEBP", (1200, 630))


def test_the_project_page_links_its_rooms_with_their_unread_counts():
    from chat import services as chat

    awa, bruno = make_user("Awa"), make_user("Bruno")
    project = make_project(awa, title="Repair Café", members=[bruno])
    team = chat.get_or_create_room(project=project, kind="team")
    for text in ("Bonjour", "On se voit samedi ?"):
        chat.send_message(actor=bruno, room_id=team.pk, text=text)
    page = signed_in(awa).get(project.get_absolute_url()).content.decode()
    assert team.get_absolute_url() in page
    assert f'data-room-unread="{team.pk}">2<' in page
    outsider = signed_in(make_user("Chloé")).get(project.get_absolute_url()).content.decode()
    assert team.get_absolute_url() not in outsider
    assert reverse("chat:project_open", args=[project.slug]) in outsider
