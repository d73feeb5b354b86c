"""A workshop in hidden mode: its tables start hidden, a participant's board page shows only
their own cards and the count, and only the facilitator reveals them, table by table or all."""

import pytest
from django.test import Client
from django.urls import reverse

from backend.workshops import services
from boards import services as boards
from boards.models import Board, Phase
from realtime.errors import Forbidden
from tests.backend.test_workshops import join_page, workshop_of
from tests.factories import make_user
from tests.web import post, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden_workshop():
    facilitator = make_user("Louise", moderator=True)
    workshop = workshop_of(facilitator, tables=2, hidden_until_reveal=True)
    services.set_phase(actor=facilitator, workshop_id=workshop.pk, phase=Phase.IDEAS)
    return workshop


def seat_guest(workshop, pseudonym: str) -> tuple[Client, object]:
    client = Client()
    join_page(client, workshop, {"pseudonym": pseudonym, "table": "1"})
    guest = workshop.participants.get(user__display_name=pseudonym).user
    return client, guest


def add_card(workshop, user, text: str) -> None:
    board = workshop.tables.get(number=1).board
    boards.create_card(actor=user, board_id=board.pk, column_id=board.columns.first().pk, text=text)


def hidden_flags(workshop) -> list[bool]:
    return list(
        Board.objects.filter(table__workshop=workshop)
        .order_by("table__number")
        .values_list("cards_hidden", flat=True)
    )


def test_the_tables_of_a_hidden_workshop_start_hidden(hidden_workshop):
    assert hidden_flags(hidden_workshop) == [True, True]
    plain = workshop_of(hidden_workshop.facilitator, tables=1)
    assert hidden_flags(plain) == [False]


def test_a_participant_page_shows_their_cards_and_only_the_count_of_the_others(hidden_workshop):
    awa_client, awa = seat_guest(hidden_workshop, "Awa")
    _bruno_client, bruno = seat_guest(hidden_workshop, "Bruno")
    add_card(hidden_workshop, awa, "Un repair café")
    add_card(hidden_workshop, bruno, "Le potager secret de Bruno")
    page = awa_client.get(hidden_workshop.tables.get(number=1).board.get_absolute_url())
    html = page.content.decode()
    assert "Un repair café" in html and "potager secret" not in html
    assert "2 idée(s) en tout, dont 1 des autres" in html
    team_page = signed_in(hidden_workshop.facilitator).get(
        hidden_workshop.tables.get(number=1).board.get_absolute_url()
    )
    assert "potager secret" in team_page.content.decode()


def test_only_the_facilitator_reveals_one_table_or_all(hidden_workshop):
    url = reverse("workshops:reveal", args=[hidden_workshop.pk])
    intruder = signed_in(make_user("Chloé"))
    assert post(intruder, url, {}).status_code == 403
    _client, guest = seat_guest(hidden_workshop, "Awa")
    with pytest.raises(Forbidden):
        services.reveal_cards(actor=guest, workshop_id=hidden_workshop.pk)
    assert hidden_flags(hidden_workshop) == [True, True]
    facilitator = signed_in(hidden_workshop.facilitator)
    post(facilitator, url, {"table": "2"})
    assert hidden_flags(hidden_workshop) == [True, False]
    response = post(facilitator, url, {})
    assert response.status_code == 302
    assert hidden_flags(hidden_workshop) == [False, False]
