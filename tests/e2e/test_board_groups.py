"""Groups and the countdown in real browsers: stacking cards with the keyboard control, voting
for a group, and a countdown that survives a reload."""

import re

import pytest
from playwright.sync_api import expect

from boards import services
from boards.models import Card, CardGroup, Phase, Vote
from tests.factories import make_board, make_user

pytestmark = pytest.mark.django_db(transaction=True)

LIVE = 2000


@pytest.fixture
def table():
    louise, awa = make_user("Louise"), make_user("Awa")
    board = make_board(louise, with_project=False, title="Table 1", votes_per_person=2)
    column = board.columns.first()
    for text in ("Un café des habitants", "Une fête des voisins"):
        services.create_card(actor=awa, board_id=board.pk, column_id=column.pk, text=text)
    services.update_board(actor=louise, board_id=board.pk, phase=Phase.GROUPING)
    return louise, awa, board


def open_board(page, board):
    page.goto(board.get_absolute_url())
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    return page


def card(page, text):
    return page.locator("#columns .card[data-card]", has_text=text)


def test_cards_are_stacked_into_a_group_that_is_voted_on_as_one(person, table):
    louise, awa, board = table
    page = open_board(person(awa), board)
    other = open_board(person(louise), board)
    page.get_by_label("Nouveau groupe").fill("Se rencontrer")
    page.get_by_role("button", name="Créer le groupe").click()
    group = page.locator(".card-group", has_text="Se rencontrer")
    expect(group).to_be_visible(timeout=LIVE)
    group_id = str(CardGroup.objects.get().pk)
    for text in ("Un café des habitants", "Une fête des voisins"):
        card(page, text).get_by_label("Regrouper dans…").select_option(group_id)
        expect(group.locator(".card", has_text=text)).to_be_visible(timeout=LIVE)
    remote = other.locator(".card-group", has_text="Se rencontrer")
    expect(remote.locator(".card")).to_have_count(2, timeout=LIVE)
    assert Card.objects.filter(group__isnull=False).count() == 2

    services.update_board(actor=louise, board_id=board.pk, phase=Phase.VOTE)
    vote = group.get_by_role("button", name="Voter pour le groupe")
    # From another process: at worst found by the hub's poll of stream heads (every 2 s).
    expect(vote).to_be_visible(timeout=3 * LIVE)
    # A grouped card has no vote button of its own.
    expect(card(page, "Un café des habitants").get_by_role("button", name="Voter")).to_have_count(0)
    vote.click()
    expect(group.get_by_role("button", name="Retirer mon vote du groupe")).to_be_visible(
        timeout=LIVE
    )
    expect(page.locator("#votes-left")).to_have_text(re.compile("reste 1 vote"))
    expect(remote.locator(".group-votes")).to_have_text("1 vote", timeout=LIVE)
    assert Vote.objects.get().group_id == int(group_id)


def test_the_countdown_is_shown_and_survives_a_reload(person, table):
    louise, awa, board = table
    page = open_board(person(awa), board)
    timer = page.get_by_role("timer")
    expect(timer).to_be_hidden()
    services.start_timer(actor=louise, board_id=board.pk, seconds=120)
    # From another process: at worst found by the hub's poll of stream heads (every 2 s).
    expect(timer).to_be_visible(timeout=3 * LIVE)
    expect(page.locator("#board-timer-digits")).to_have_text(re.compile(r"^(2:00|1:5\d)$"))
    page.reload()
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#board-timer-digits")).to_have_text(re.compile(r"^(2:00|1:5\d)$"))
    # The live region stays quiet: it only speaks at one minute and at zero.
    expect(page.locator("#board-timer-announce")).to_have_text("")
    # Restarted at just over a minute: the live region says so once the minute is reached.
    services.start_timer(actor=louise, board_id=board.pk, seconds=64)
    expect(page.locator("#board-timer-digits")).to_have_text(
        re.compile(r"^(1:0\d|0:5\d)$"), timeout=3 * LIVE
    )
    expect(page.locator("#board-timer-announce")).to_have_text(
        "Plus qu'une minute.", timeout=5 * LIVE
    )
    services.stop_timer(actor=louise, board_id=board.pk)
    expect(timer).to_be_hidden(timeout=3 * LIVE)


def test_groups_and_the_countdown_have_no_serious_accessibility_issue(person, table):
    from django.utils import timezone

    from backend.workshops import services as workshops
    from tests.e2e.test_accessibility import serious_violations
    from tests.factories import make_territory

    louise, awa, board = table
    group = services.create_group(actor=awa, board_id=board.pk, title="Se rencontrer").result
    first = Card.objects.filter(board=board).first()
    services.group_card(actor=awa, board_id=board.pk, card_id=first.pk, group_id=group.pk)
    services.start_timer(actor=louise, board_id=board.pk, seconds=300)
    page = open_board(person(awa), board)
    expect(page.get_by_role("timer")).to_be_visible()
    expect(page.locator(".card-group .card")).to_have_count(1)
    assert serious_violations(page) == []
    town = make_user("Mairie", moderator=True)
    workshop = workshops.create_workshop(
        actor=town,
        territory=make_territory(),
        title="Parlons ensemble",
        starts_at=timezone.now(),
        question="Comment mieux se rencontrer ?",
        tables=2,
    )
    workshops.start_timer(actor=town, workshop_id=workshop.pk, seconds=300)
    facilitator = person(town)
    for url in (f"/ateliers/{workshop.pk}/animation/", f"/ateliers/{workshop.pk}/ecran/"):
        facilitator.goto(url)
        assert serious_violations(facilitator) == [], url
    expect(facilitator.get_by_role("timer")).to_have_text(re.compile(r"^[45]:\d\d$"))
