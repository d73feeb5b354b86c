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
    now = data.pop("now")
    assert now.endswith("Z")
    assert data == {
        "phase": "accueil",
        "participants": 1,
        "guests": 1,
        "proposals": 0,
        "tables": 3,
        "timer": {"ends_at": None, "seconds": 0, "remaining": None},
    }


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


# Groups in the results, grouping rights, the countdown -------------------------------------


def test_results_rank_a_group_as_one_proposal_in_constant_queries(django_assert_num_queries):
    """Table 1: « Se rencontrer » groups two cards (2 group votes); « Des bancs » alone has 1;
    « Un jardin » (table 2) has none. The group ranks first, as one proposal."""
    louise = make_user("Louise", moderator=True)
    workshop = workshop_of(louise, tables=2)
    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.IDEAS)
    seats = {}
    for name, table in (("Zoé", "1"), ("Yanis", "1"), ("Xavier", "2")):
        join_page(Client(enforce_csrf_checks=True), workshop, {"pseudonym": name, "table": table})
        seats[name] = Participant.objects.get(user__display_name=name)

    def card(name, text):
        seat = seats[name]
        return boards.create_card(
            actor=seat.user,
            board_id=seat.table.board_id,
            column_id=seat.table.board.columns.first().pk,
            text=text,
        ).result

    cafe, fete = card("Zoé", "Un café des habitants"), card("Yanis", "Une fête des voisins")
    bancs = card("Yanis", "Des bancs")
    card("Xavier", "Un jardin")
    board_1 = seats["Zoé"].table.board_id
    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.GROUPING)
    group = boards.create_group(
        actor=seats["Zoé"].user, board_id=board_1, title="Se rencontrer", card_ids=[cafe.pk]
    ).result
    boards.group_card(
        actor=seats["Yanis"].user, board_id=board_1, card_id=fete.pk, group_id=group.pk
    )
    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.VOTE)
    for name in ("Zoé", "Yanis"):
        boards.vote_group(actor=seats[name].user, board_id=board_1, group_id=group.pk)
    boards.vote_card(actor=seats["Zoé"].user, board_id=board_1, card_id=bancs.pk)

    from backend.workshops import results

    with django_assert_num_queries(2):
        ranked = results.proposals(workshop)
    assert [(p.text, p.votes, p.table) for p in ranked] == [
        ("Se rencontrer", 2, 1),
        ("Des bancs", 1, 1),
        ("Un jardin", 0, 2),
    ]
    top = ranked[0]
    assert top.group == group.pk and top.card is None
    assert top.cards == ["Un café des habitants", "Une fête des voisins"]
    assert top.author == "Zoé, Yanis"
    assert ranked[1].card == bancs.pk and ranked[1].cards == []
    assert results.counts(workshop)["proposals"] == 3

    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.RESULTS)
    page = Client().get(reverse("workshops:results", args=[workshop.pk])).content.decode()
    assert "3 participants, 3 propositions, 2 tables." in page
    assert "Une fête des voisins" in page
    csv_text = Client().get(reverse("workshops:export", args=[workshop.pk, "csv"])).content.decode()
    rows = csv_text.strip().splitlines()
    assert rows[0] == "rang,table,proposition,votes,auteur,cartes regroupées"
    assert (
        rows[1] == '1,1,Se rencontrer,2,"Zoé, Yanis",Un café des habitants / Une fête des voisins'
    )
    assert rows[2] == "2,1,Des bancs,1,Yanis,"
    markdown = Client().get(reverse("workshops:export", args=[workshop.pk, "md"])).content.decode()
    assert "1. Se rencontrer — 2 vote(s), table 1\n   - Un café des habitants\n" in markdown
    assert "- Se rencontrer (2)\n  - Un café des habitants\n  - Une fête des voisins\n" in markdown
    # Deleting the group makes its cards proposals again.
    boards.delete_group(actor=louise, board_id=board_1, group_id=group.pk)
    assert [p.text for p in results.proposals(workshop)] == [
        "Des bancs",
        "Un café des habitants",
        "Une fête des voisins",
        "Un jardin",
    ]
    assert results.counts(workshop)["proposals"] == 4


def test_grouping_by_the_facilitator_only_is_set_on_every_table():
    from boards.models import Board

    louise = make_user("Louise", moderator=True)
    workshop = workshop_of(louise, tables=2, grouping_by_facilitator_only=True)
    assert workshop.grouping_by_facilitator_only
    assert list(
        Board.objects.filter(table__workshop=workshop).values_list(
            "grouping_by_team_only", flat=True
        )
    ) == [True, True]
    assert not workshop_of(louise, tables=1).tables.get().board.grouping_by_team_only
    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.GROUPING)
    join_page(Client(enforce_csrf_checks=True), workshop, {"pseudonym": "Zoé"})
    seat = Participant.objects.get()
    with pytest.raises(Forbidden):
        boards.create_group(actor=seat.user, board_id=seat.table.board_id, title="Moi aussi")
    boards.create_group(actor=louise, board_id=seat.table.board_id, title="Ensemble")
    # The form carries the setting too.
    console = signed_in(louise)
    response = post(
        console,
        reverse("workshops:create"),
        {
            "title": "Atelier du jeudi",
            "starts_at": "2026-12-10T18:30",
            "question": "Que faire du square ?",
            "tables": "1",
            "votes_per_participant": "3",
            "grouping_by_facilitator_only": "on",
        },
    )
    assert response.status_code == 302
    created = Workshop.objects.get(title="Atelier du jeudi")
    assert created.grouping_by_facilitator_only
    assert created.tables.get().board.grouping_by_team_only


def test_the_facilitator_runs_a_countdown_on_every_table_from_the_console():
    from django.utils.dateparse import parse_datetime

    from boards.models import Board
    from realtime.errors import Locked
    from realtime.models import Event

    louise = make_user("Louise", moderator=True)
    workshop = workshop_of(louise, tables=3)
    console = signed_in(louise)
    page = console.get(reverse("workshops:console", args=[workshop.pk])).content.decode()
    assert reverse("workshops:timer_start", args=[workshop.pk]) in page
    response = post(
        console, reverse("workshops:timer_start", args=[workshop.pk]), {"seconds": "300"}
    )
    assert response.status_code == 302
    tables = Board.objects.filter(table__workshop=workshop).order_by("table__number")
    assert [b.timer_seconds for b in tables] == [300, 300, 300]
    assert all(b.timer_ends_at is not None for b in tables)
    events = Event.objects.filter(name="board.timer")
    assert events.count() == 3
    data = Client().get(reverse("workshops:screen_data", args=[workshop.pk])).json()
    assert data["timer"]["seconds"] == 300 and 295 <= data["timer"]["remaining"] <= 300
    assert parse_datetime(data["timer"]["ends_at"]) == tables[0].timer_ends_at
    screen = Client().get(reverse("workshops:screen", args=[workshop.pk])).content.decode()
    assert 'role="timer"' in screen and ("5:00" in screen or "4:59" in screen)
    console_page = console.get(reverse("workshops:console", args=[workshop.pk])).content.decode()
    assert reverse("workshops:timer_stop", args=[workshop.pk]) in console_page

    # One table only, then stop everywhere.
    services.start_timer(actor=louise, workshop_id=workshop.pk, seconds=60, table_number=2)
    assert [b.timer_seconds for b in tables.all()] == [300, 60, 300]
    with pytest.raises(Invalid):
        services.start_timer(actor=louise, workshop_id=workshop.pk, seconds=60, table_number=9)
    with pytest.raises(Invalid):
        services.start_timer(actor=louise, workshop_id=workshop.pk, seconds=5)
    post(console, reverse("workshops:timer_stop", args=[workshop.pk]), {})
    assert [b.timer_ends_at for b in tables.all()] == [None, None, None]

    # Nobody else runs it, a bad duration is refused, a closed workshop has no countdown.
    outsider = signed_in(make_user("Awa"))
    url = reverse("workshops:timer_start", args=[workshop.pk])
    assert post(outsider, url, {"seconds": "300"}).status_code == 403
    with pytest.raises(Forbidden):
        services.start_timer(actor=make_user("Bruno"), workshop_id=workshop.pk, seconds=60)
    post(console, url, {"seconds": "7"})
    assert [b.timer_ends_at for b in tables.all()] == [None, None, None]
    before = Event.objects.count()
    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.CLOSED)
    before = Event.objects.count()
    with pytest.raises(Locked):
        services.start_timer(actor=louise, workshop_id=workshop.pk, seconds=60)
    assert Event.objects.count() == before
