"""A board whose hello is too big for one WebSocket message: it comes in parts, and the page
joins them (static/js/realtime.js), on a real daphne process with a small message limit."""

import pytest
from playwright.sync_api import expect

from boards import services
from tests.e2e.test_board_live import LIVE, add_card, card, open_board
from tests.factories import make_board, make_project, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(daphne_factory):
    # 4 KiB: a board of 30 cards has a hello of ~12 KiB, so it comes in 4 or more parts.
    return daphne_factory(REALTIME_MESSAGE_BYTES="4096")


def test_a_board_whose_hello_comes_in_parts_opens_whole_and_stays_live(person):
    owner = make_user("Awa")
    citizen = make_user("Bruno")
    board = make_board(owner, project=make_project(owner), title="Grand atelier")
    column = board.columns.order_by("position").first()
    for n in range(30):
        services.create_card(
            actor=owner, board_id=board.pk, column_id=column.pk, text=f"Idée numéro {n} " + "é" * 80
        )
    page = open_board(person(citizen), board)
    expect(page.locator("#columns .card[data-card]")).to_have_count(30)
    expect(card(page, "Idée numéro 29")).to_be_visible()
    other = open_board(person(owner), board)
    add_card(other, board, "Arrivée après le grand bonjour")
    expect(card(page, "Arrivée après le grand bonjour")).to_be_visible(timeout=LIVE)


def test_a_part_out_of_order_makes_the_client_start_again_and_nothing_is_lost(person):
    owner = make_user("Awa")
    board = make_board(owner, project=make_project(owner), title="Grand atelier")
    column = board.columns.order_by("position").first()
    for n in range(30):
        services.create_card(
            actor=owner, board_id=board.pk, column_id=column.pk, text=f"Idée numéro {n} " + "é" * 80
        )
    page = open_board(person(owner), board)
    replaced = page.evaluate(
        """() => {
            const live = window.faireEnsembleBoard.live;
            const before = live.socket;
            live._receive(JSON.stringify({type: "hello.part", part: 2, parts: 5, data: "{"}));
            return live.socket !== before;
        }"""
    )
    assert replaced  # a part without the ones before it: a new socket, a new hello
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#columns .card[data-card]")).to_have_count(30)
