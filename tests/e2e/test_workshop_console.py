"""The facilitator's console in a real browser: the tables' rows follow the room live (who is
connected, the cards), then a proposal becomes a project from the results page."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backend.workshops import services
from boards import services as boards
from boards.models import Phase
from tests.e2e.test_accessibility import serious_violations
from tests.factories import make_territory, make_user

pytestmark = pytest.mark.django_db(transaction=True)

LIVE = 3000  # ms


def test_the_console_follows_the_room_and_a_proposal_becomes_a_project(person, server):
    louise = make_user("Louise", moderator=True)
    awa = make_user("Awa")
    workshop = services.create_workshop(
        actor=louise,
        territory=make_territory(),
        title="Parlons ensemble de Sceaux",
        starts_at=timezone.now(),
        question="Comment mieux se rencontrer ?",
        tables=2,
    )
    services.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.IDEAS)
    services.join_as_member(workshop=workshop, user=awa, table_number=2)
    board = workshop.tables.get(number=2).board

    console = person(louise)
    console.goto(f"/ateliers/{workshop.pk}/animation/")
    expect(console.locator("#console-status")).to_have_attribute("data-status", "connected")
    expect(console.locator("#console-summary")).to_have_text("0 participants connectés, 0 idées")
    row = console.locator('#console-tables tr[data-table="2"]')
    expect(row.locator('[data-field="seated"]')).to_have_text("1")

    seat = person(awa)
    seat.goto(board.get_absolute_url())
    expect(row.locator('[data-field="present"]')).to_have_text("1", timeout=LIVE)
    boards.create_card(
        actor=awa, board_id=board.pk, column_id=board.columns.first().pk, text="Un repair café"
    )
    expect(row.locator('[data-field="cards"]')).to_have_text("1", timeout=LIVE)
    expect(console.locator('#console-tables tr[data-table="1"] [data-field="cards"]')).to_have_text(
        "0"
    )

    console.reload()  # the proposal's buttons, server-rendered
    assert serious_violations(console) == []
    console.goto(f"/ateliers/{workshop.pk}/resultats/")
    assert serious_violations(console) == []
    console.get_by_role("button", name=re.compile("En faire un projet")).first.click()
    expect(console.locator(".messages")).to_contain_text("est devenue le projet")
    expect(console.locator(".outcome").first).to_contain_text("devenu le projet Un repair café")
    console.locator(".outcome a").first.click()
    expect(console.locator("h1")).to_have_text("Un repair café")
    expect(console.locator(".origin")).to_contain_text("Issu de l'atelier Parlons ensemble")
