"""What comes out of a workshop: the facilitator turns a proposal (a card, or a group of cards)
into a draft project — its member authors invited, its guests skipped — or into a need of the
town; each proposal once; someone else's workshop refused; the way back shown on both sides."""

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.needs.models import Need
from backend.projects.models import Invitation, Project, Stage
from backend.workshops import services
from backend.workshops.models import ProposalOutcome
from boards import services as boards
from boards.models import CardGroup, Phase
from realtime.errors import Conflict, Forbidden, NotFound
from tests.factories import make_project, make_territory, make_theme, make_user
from tests.web import post, signed_in

pytestmark = pytest.mark.django_db

LONG = (
    "Un repair café au marché couvert le samedi matin, avec les bricoleurs du quartier, "
    "un coin couture et un stand pour les vélos qui grincent"
)


def workshop_of(facilitator, *, tables=2, **kwargs):
    workshop = services.create_workshop(
        actor=facilitator,
        territory=make_territory(),
        title="Parlons ensemble de Sceaux",
        starts_at=timezone.now(),
        question="Comment mieux se rencontrer dans le quartier ?",
        tables=tables,
        themes=[make_theme("Solidarité")],
        **kwargs,
    )
    services.set_phase(actor=facilitator, workshop_id=workshop.pk, phase=Phase.IDEAS)
    return workshop


def card_on(workshop, author, text, *, table=1):
    board = workshop.tables.get(number=table).board
    column = board.columns.first()
    return boards.create_card(
        actor=author, board_id=board.pk, column_id=column.pk, text=text
    ).result


@pytest.fixture
def room():
    """Louise (the town) runs a workshop; Awa and Bruno are members, Zoé a guest."""
    louise = make_user("Louise", moderator=True)
    workshop = workshop_of(louise)
    awa, bruno = make_user("Awa"), make_user("Bruno")
    for member in (awa, bruno):
        services.join_as_member(workshop=workshop, user=member, table_number=1)
    zoe, _seat = services.join_as_guest(workshop=workshop, pseudonym="Zoé", table_number=1)
    return louise, workshop, awa, bruno, zoe


def written():
    return (
        Project.objects.count(),
        Need.objects.count(),
        Invitation.objects.count(),
        ProposalOutcome.objects.count(),
    )


def test_a_card_becomes_a_draft_project_and_its_author_is_invited(room):
    louise, workshop, awa, bruno, zoe = room
    card = card_on(workshop, awa, LONG)
    made = services.proposal_to_project(actor=louise, workshop_id=workshop.pk, card_id=card.pk)
    project = made.outcome.project
    assert project.stage == Stage.IDEA and project.owner == louise
    assert project.territory == workshop.territory
    assert list(project.themes.values_list("name", flat=True)) == ["Solidarité"]
    # The title: the text cut at a word, marked as cut; the description lists the card.
    assert len(project.title) <= 120 and project.title.endswith("…")
    assert LONG.startswith(project.title[:-1])
    assert f"- {LONG}" in project.description
    assert "Parlons ensemble de Sceaux" in project.description
    assert [i.invited for i in project.invitations.filter(status="pending")] == [awa]
    assert made.invited == [awa] and made.skipped == []
    assert made.outcome.workshop == workshop and made.outcome.card == card


def test_a_group_becomes_one_project_inviting_its_members_and_skipping_its_guests(room):
    louise, workshop, awa, bruno, zoe = room
    cards = [
        card_on(workshop, awa, "Un repair café"),
        card_on(workshop, zoe, "Réparer les vélos"),
        card_on(workshop, bruno, "Un atelier couture"),
        card_on(workshop, louise, "Des outils à prêter"),
    ]
    board = workshop.tables.get(number=1).board
    group = CardGroup.objects.create(board=board, title="Réparer ensemble", position="i")
    board.cards.filter(pk__in=[c.pk for c in cards]).update(group=group)
    made = services.proposal_to_project(actor=louise, workshop_id=workshop.pk, group_id=group.pk)
    project = made.outcome.project
    assert project.title == "Réparer ensemble"
    for card in cards:
        assert f"- {card.text}" in project.description
    invited = set(project.invitations.values_list("invited__username", flat=True))
    assert invited == {"awa", "bruno"}  # the facilitator owns it; the guest cannot be invited
    assert made.skipped == ["Zoé"]
    assert made.outcome.group == group and made.outcome.card is None
    page = signed_in(louise).get(reverse("workshops:results", args=[workshop.pk]))
    html = page.content.decode()
    assert "devenu le projet" in html and project.get_absolute_url() in html
    assert f'name="group" value="{group.pk}"' not in html  # no second follow-up offered
    with pytest.raises(Conflict):
        services.proposal_to_need(actor=louise, workshop_id=workshop.pk, group_id=group.pk)


def test_from_the_results_page_with_the_way_back_on_both_pages(room):
    louise, workshop, awa, bruno, zoe = room
    card = card_on(workshop, zoe, "Une fête des voisins en juin")
    client = signed_in(louise)
    page = client.get(reverse("workshops:results", args=[workshop.pk])).content.decode()
    assert "En faire un projet" in page and "En faire un besoin de la Ville" in page
    response = post(client, reverse("workshops:to_project", args=[workshop.pk]), {"card": card.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("workshops:results", args=[workshop.pk])
    project = Project.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "devenu le projet" in page and project.get_absolute_url() in page
    assert "Zoé" in page  # said: the guest was not invited
    origin = client.get(project.get_absolute_url()).content.decode()
    assert "Issu de l&#x27;atelier" in origin or "Issu de l'atelier" in origin
    assert workshop.get_absolute_url() in origin


def test_a_card_becomes_a_need_of_the_town_from_the_console(room):
    louise, workshop, awa, bruno, zoe = room
    card = card_on(workshop, awa, "Plus de bancs place du marché", table=1)
    client = signed_in(louise)
    console = reverse("workshops:console", args=[workshop.pk])
    assert "En faire un besoin de la Ville" in client.get(console).content.decode()
    response = post(
        client,
        reverse("workshops:to_need", args=[workshop.pk]),
        {"card": card.pk, "back": "console"},
    )
    assert response.status_code == 302 and response["Location"] == console
    need = Need.objects.get()
    assert need.title == "Plus de bancs place du marché"
    assert "- Plus de bancs place du marché" in need.description
    assert need.created_by == louise and need.territory == workshop.territory
    assert Project.objects.count() == 0 and Invitation.objects.count() == 0
    assert "devenu le besoin" in client.get(console).content.decode()
    results = client.get(reverse("workshops:results", args=[workshop.pk])).content.decode()
    assert "devenu le besoin" in results and need.get_absolute_url() in results
    origin = client.get(need.get_absolute_url()).content.decode()
    assert workshop.get_absolute_url() in origin and "atelier" in origin


def test_the_same_proposal_twice_is_a_conflict_and_writes_nothing(room):
    louise, workshop, awa, bruno, zoe = room
    card = card_on(workshop, awa, "Un repair café")
    services.proposal_to_project(actor=louise, workshop_id=workshop.pk, card_id=card.pk)
    before = written()
    for service in (services.proposal_to_project, services.proposal_to_need):
        with pytest.raises(Conflict) as refused:
            service(actor=louise, workshop_id=workshop.pk, card_id=card.pk)
        assert "déjà une suite" in refused.value.message
    assert written() == before
    client = signed_in(louise)
    url = reverse("workshops:to_project", args=[workshop.pk])
    response = post(client, url, {"card": card.pk})
    assert response.status_code == 302 and written() == before
    assert "déjà une suite" in client.get(response["Location"]).content.decode()


def test_someone_elses_workshop_is_forbidden_and_writes_nothing(room):
    louise, workshop, awa, bruno, zoe = room
    card = card_on(workshop, awa, "Un repair café")
    other = make_user("Marc", moderator=True)
    before = written()
    for service in (services.proposal_to_project, services.proposal_to_need):
        with pytest.raises(Forbidden):
            service(actor=other, workshop_id=workshop.pk, card_id=card.pk)
    for who in (other, awa):
        client = signed_in(who)
        for name in ("workshops:to_project", "workshops:to_need"):
            response = post(client, reverse(name, args=[workshop.pk]), {"card": card.pk})
            assert response.status_code == 403
    assert written() == before
    results = signed_in(other).get(reverse("workshops:results", args=[workshop.pk]))
    assert results.status_code == 403 or "En faire un projet" not in results.content.decode()


def test_a_proposal_of_another_workshop_is_not_found(room):
    louise, workshop, awa, bruno, zoe = room
    elsewhere = workshop_of(louise)
    card = card_on(elsewhere, louise, "Une idée d'ailleurs")
    before = written()
    with pytest.raises(NotFound):
        services.proposal_to_project(actor=louise, workshop_id=workshop.pk, card_id=card.pk)
    response = post(
        signed_in(louise), reverse("workshops:to_project", args=[workshop.pk]), {"card": card.pk}
    )
    assert response.status_code == 404
    deleted = card_on(workshop, awa, "Effacée")
    boards.delete_card(actor=awa, board_id=deleted.board_id, card_id=deleted.pk)
    with pytest.raises(NotFound):
        services.proposal_to_need(actor=louise, workshop_id=workshop.pk, card_id=deleted.pk)
    assert written() == before


def test_a_project_owner_running_a_workshop_makes_projects_not_needs():
    owner = make_user("Camille")
    workshop = workshop_of(owner, project=make_project(owner))
    card = card_on(workshop, owner, "Un jardin partagé")
    with pytest.raises(Forbidden) as refused:
        services.proposal_to_need(actor=owner, workshop_id=workshop.pk, card_id=card.pk)
    assert "agents et modérateurs de la Ville" in refused.value.message
    client = signed_in(owner)
    page = client.get(reverse("workshops:results", args=[workshop.pk])).content.decode()
    assert "En faire un projet" in page and "En faire un besoin" not in page
    response = post(client, reverse("workshops:to_need", args=[workshop.pk]), {"card": card.pk})
    assert response.status_code == 302 and Need.objects.count() == 0
    assert ProposalOutcome.objects.count() == 0
    assert "agents et modérateurs" in client.get(response["Location"]).content.decode()
    made = services.proposal_to_project(actor=owner, workshop_id=workshop.pk, card_id=card.pk)
    assert made.outcome.project.title == "Un jardin partagé" and made.invited == []


def test_titles_are_cut_at_a_word():
    assert services.short_title("  Un   jardin\npartagé ") == "Un jardin partagé"
    cut = services.short_title("mot " * 60)
    assert len(cut) <= 120 and cut.endswith("mot…")
    assert len(services.short_title("x" * 300)) == 120
