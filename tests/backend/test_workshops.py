"""Workshops: setting up, joining with a code as a guest or a member, seating, phases run
by the facilitator, guests bound to their session, and guests claiming their cards."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backend.workshops import services
from backend.workshops.models import CODE_ALPHABET, Participant, Workshop
from boards import services as boards
from boards.models import Card, Phase
from realtime.errors import Forbidden, Invalid, NotFound
from tests.factories import PASSWORD, make_project, make_territory, make_user
from tests.web import post, signed_in

pytestmark = pytest.mark.django_db


def workshop_of(facilitator, tables=3, **kwargs):
    return services.create_workshop(
        actor=facilitator,
        territory=make_territory(),
        title="Parlons ensemble de Sceaux",
        starts_at=timezone.now(),
        question="Comment mieux se rencontrer dans le quartier ?",
        tables=tables,
        **kwargs,
    )


def join_page(client, workshop, data):
    client.get(workshop.join_url())
    return post(client, workshop.join_url(), data)


def test_only_the_town_or_a_project_owner_sets_up_a_workshop():
    citizen, owner = make_user("Awa"), make_user("Camille")
    project = make_project(owner)
    with pytest.raises(Forbidden):
        workshop_of(citizen)
    workshop = workshop_of(owner, project=project)
    assert workshop.tables.count() == 3
    moderator = make_user("Louise", moderator=True)
    for tables in (0, 61):
        with pytest.raises(Invalid):
            workshop_of(moderator, tables=tables)


def test_the_join_code_is_short_unambiguous_and_opens_only_an_open_workshop(client):
    workshop = workshop_of(make_user("Louise", moderator=True))
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{6}}", workshop.join_code)
    assert not set(workshop.join_code) & set("O0I1L")
    assert services.open_workshop(workshop.join_code.lower()) == workshop
    assert client.get(f"/w/{workshop.join_code}").status_code == 200
    services.set_phase(actor=workshop.facilitator, workshop_id=workshop.pk, phase=Phase.CLOSED)
    with pytest.raises(NotFound):
        services.open_workshop(workshop.join_code)
    assert client.get(f"/w/{workshop.join_code}").status_code == 404


def test_a_guest_joins_with_a_pseudonym_and_tables_fill_evenly():
    workshop = workshop_of(make_user("Louise", moderator=True), tables=2)
    tables = []
    for name in ("Zoé", "Yanis", "Xavier", "Wassila"):
        client = Client(enforce_csrf_checks=True)
        response = join_page(client, workshop, {"pseudonym": name})
        assert response.status_code == 302
        seat = Participant.objects.get(user__display_name=name)
        assert response["Location"] == seat.table.board.get_absolute_url()
        assert seat.user.is_guest and not seat.user.has_usable_password()
        tables.append(seat.table.number)
    assert sorted(tables) == [1, 1, 2, 2]
    bad = join_page(Client(enforce_csrf_checks=True), workshop, {"pseudonym": "x" * 41})
    assert bad.status_code == 400 and Participant.objects.count() == 4


def test_a_member_joins_under_their_name_and_chooses_a_table():
    workshop = workshop_of(make_user("Louise", moderator=True))
    awa = make_user("Awa")
    response = post(signed_in(awa), workshop.join_url(), {"table": "3"})
    seat = Participant.objects.get(user=awa)
    assert seat.table.number == 3 and response["Location"] == seat.table.board.get_absolute_url()


def test_phases_are_set_for_every_table_or_one_by_the_facilitator_only():
    louise = make_user("Louise", moderator=True)
    workshop = workshop_of(louise)
    phases = lambda: sorted(workshop.tables.values_list("board__phase", flat=True))  # noqa: E731
    assert phases() == ["accueil"] * 3
    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.IDEAS)
    assert phases() == ["idees"] * 3
    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.VOTE, table_number=2)
    assert phases() == ["idees", "idees", "vote"]
    with pytest.raises(Forbidden):
        services.set_phase(actor=make_user("Awa"), workshop_id=workshop.pk, phase=Phase.CLOSED)
    assert phases() == ["idees", "idees", "vote"]
    console = reverse("workshops:console", args=[workshop.pk])
    assert signed_in(make_user("Bruno")).get(console).status_code == 403
    page = signed_in(louise).get(console).content.decode()
    assert workshop.join_code in page
    post(signed_in(louise), reverse("workshops:phase", args=[workshop.pk]), {"phase": "clos"})
    assert phases() == ["clos"] * 3
    workshop.refresh_from_db()
    assert workshop.status == Workshop.Status.CLOSED


def test_a_guest_acts_only_as_themselves_and_claims_their_cards_by_signing_up():
    louise = make_user("Louise", moderator=True)
    workshop = workshop_of(louise, tables=1)
    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.IDEAS)
    zoe_client, yanis_client = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    join_page(zoe_client, workshop, {"pseudonym": "Zoé"})
    join_page(yanis_client, workshop, {"pseudonym": "Yanis"})
    zoe = Participant.objects.get(user__display_name="Zoé").user
    board = workshop.tables.get().board
    column = board.columns.first()
    create = reverse("boards:create_card", args=[board.pk])
    post(zoe_client, create, {"column": column.pk, "text": "Un café"})
    card = Card.objects.get()
    assert card.author == zoe
    # Yanis's session is Yanis: deleting Zoé's card is refused, and nothing changes.
    post(yanis_client, reverse("boards:delete_card", args=[board.pk, card.pk]), {})
    card.refresh_from_db()
    assert card.deleted_at is None
    with pytest.raises(Forbidden):
        boards.delete_card(
            actor=Participant.objects.get(user__display_name="Yanis").user,
            board_id=board.pk,
            card_id=card.pk,
        )
    # Zoé signs up in the same session: the same person, now with an account.
    response = post(
        zoe_client,
        reverse("accounts:sign_up"),
        {
            "username": "zoe",
            "display_name": "Zoé",
            "email": "zoe@example.org",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )
    assert response.status_code == 302
    zoe.refresh_from_db()
    assert (zoe.username, zoe.is_guest) == ("zoe", False)
    assert Card.objects.get().author_id == zoe.pk
    assert Client().login(username="zoe", password="un-mot-de-passe-solide-42")


def test_the_qr_code_is_an_svg_of_the_join_link(client):
    workshop = workshop_of(make_user("Louise", moderator=True))
    response = client.get(reverse("workshops:qr", args=[workshop.pk]))
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")


def test_guests_have_no_public_page_and_are_not_found_by_search():
    from backend.search.models import Document

    workshop = workshop_of(make_user("Louise", moderator=True))
    join_page(Client(enforce_csrf_checks=True), workshop, {"pseudonym": "Zoé"})
    guest = Participant.objects.get().user
    assert Client().get(reverse("accounts:profile", args=[guest.username])).status_code == 404
    assert not Document.objects.filter(kind="member", object_id=guest.pk).exists()
    assert PASSWORD  # the factory's members still sign in with it


def test_results_rank_the_proposals_and_export_them():
    louise = make_user("Louise", moderator=True)
    workshop = workshop_of(louise, tables=2)
    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.IDEAS)
    people = []
    for name in ("Zoé", "Yanis", "Xavier"):
        client = Client(enforce_csrf_checks=True)
        join_page(client, workshop, {"pseudonym": name})
        people.append(Participant.objects.get(user__display_name=name))
    texts = {}
    for seat, text in zip(people, ("Un café des habitants", "Des bancs", "Un jardin"), strict=True):
        column = seat.table.board.columns.first()
        texts[text] = boards.create_card(
            actor=seat.user, board_id=seat.table.board_id, column_id=column.pk, text=text
        ).result
    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.VOTE)
    for seat in people:
        card = texts["Un café des habitants"] if seat.table.number == 1 else texts["Un jardin"]
        if card.board_id == seat.table.board_id:
            boards.vote_card(actor=seat.user, board_id=card.board_id, card_id=card.pk)
    url = reverse("workshops:results", args=[workshop.pk])
    assert Client().get(url).status_code == 403  # not before the results phase
    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.RESULTS)
    page = Client().get(url)
    assert page.context["top"][0].text in {"Un café des habitants", "Un jardin"}
    assert "3 participants, 3 propositions, 2 tables." in page.content.decode()
    csv_text = Client().get(reverse("workshops:export", args=[workshop.pk, "csv"])).content.decode()
    rows = csv_text.strip().splitlines()
    assert rows[0].startswith("rang,table,proposition,votes")
    assert len(rows) == 4 and rows[-1].split(",")[3] == "0"
    markdown = Client().get(reverse("workshops:export", args=[workshop.pk, "md"])).content.decode()
    assert markdown.startswith("# Parlons ensemble de Sceaux")
    assert "3 participants, 3 propositions, 2 tables." in markdown
    assert Client().get(f"/ateliers/{workshop.pk}/resultats.exe").status_code == 404


def test_the_projector_shows_the_code_then_the_counts():
    louise = make_user("Louise", moderator=True)
    workshop = workshop_of(louise)
    page = Client().get(reverse("workshops:screen", args=[workshop.pk])).content.decode()
    assert workshop.join_code in page
    join_page(Client(enforce_csrf_checks=True), workshop, {"pseudonym": "Zoé"})
    data = Client().get(reverse("workshops:screen_data", args=[workshop.pk])).json()
    assert data == {"phase": "accueil", "participants": 1, "guests": 1, "proposals": 0, "tables": 3}


def test_upcoming_workshops_are_on_the_home_page():
    louise = make_user("Louise", moderator=True)
    workshop_of(louise)
    past = workshop_of(louise)
    past.title = "Un atelier de l'an dernier"
    past.starts_at = timezone.now() - timedelta(days=300)
    past.save()
    html = Client().get("/").content.decode()
    assert "Parlons ensemble de Sceaux" in html and "an dernier" not in html


def test_the_facilitator_locks_a_table_and_moves_a_participant():
    from boards.models import Board
    from realtime.errors import Locked

    louise = make_user("Louise", moderator=True)
    workshop = workshop_of(louise, tables=2)
    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.IDEAS)
    join_page(Client(enforce_csrf_checks=True), workshop, {"pseudonym": "Zoé", "table": "1"})
    seat = Participant.objects.get()
    console = signed_in(louise)
    post(console, reverse("workshops:lock", args=[workshop.pk]), {"table": "1"})
    board = Board.objects.get(table__workshop=workshop, table__number=1)
    assert board.locked
    with pytest.raises(Locked):
        boards.create_card(
            actor=seat.user, board_id=board.pk, column_id=board.columns.first().pk, text="Trop tard"
        )
    post(
        console,
        reverse("workshops:move", args=[workshop.pk]),
        {"participant": seat.user_id, "table": "2"},
    )
    seat.refresh_from_db()
    assert seat.table.number == 2
    outsider = signed_in(make_user("Awa"))
    assert (
        post(outsider, reverse("workshops:lock", args=[workshop.pk]), {"table": "2"}).status_code
        == 403
    )
    assert not Board.objects.get(table__workshop=workshop, table__number=2).locked
    with pytest.raises(Forbidden):
        services.move_participant(
            actor=seat.user, workshop_id=workshop.pk, user_id=seat.user_id, table_number=1
        )
