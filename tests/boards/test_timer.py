"""The facilitator's countdown: `board.timer` events, in the snapshot, the team's only."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from boards import services
from boards.models import Board, Phase
from boards.selectors import board_snapshot, timer_remaining
from realtime.errors import Conflict, Forbidden, Invalid, Locked
from realtime.models import Event
from tests.factories import make_board, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def table():
    louise, awa = make_user("Louise"), make_user("Awa")
    return louise, awa, make_board(louise, with_project=False)


def stored(board):
    board = Board.objects.get(pk=board.pk)
    return board.timer_ends_at, board.timer_seconds, Event.objects.count()


def test_the_team_starts_restarts_and_stops_the_countdown(table):
    louise, awa, board = table
    assert board_snapshot(board)["board"]["timer"] == {"ends_at": None, "seconds": 0}
    before = timezone.now()
    services.start_timer(actor=louise, board_id=board.pk, seconds=300)
    event = Event.objects.order_by("-seq").first()
    assert event.name == "board.timer" and event.data["seconds"] == 300
    ends_at = parse_datetime(event.data["ends_at"])
    assert event.data["ends_at"].endswith("Z")
    assert before + timedelta(seconds=300) <= ends_at <= timezone.now() + timedelta(seconds=300)
    board.refresh_from_db()
    assert board_snapshot(board)["board"]["timer"] == event.data
    assert 299 <= timer_remaining(board, timezone.now()) <= 300
    assert timer_remaining(board, ends_at + timedelta(minutes=5)) == 0
    services.start_timer(actor=louise, board_id=board.pk, seconds=60)
    board.refresh_from_db()
    assert board.timer_seconds == 60
    services.stop_timer(actor=louise, board_id=board.pk)
    event = Event.objects.order_by("-seq").first()
    assert (event.name, event.data) == ("board.timer", {"ends_at": None, "seconds": 0})
    board.refresh_from_db()
    assert timer_remaining(board, timezone.now()) is None


@pytest.mark.parametrize("seconds", [9, 3601, 0, -5, True, "60", 60.5, None])
def test_a_countdown_lasts_from_10_seconds_to_an_hour(table, seconds):
    louise, awa, board = table
    before = stored(board)
    with pytest.raises(Invalid):
        services.start_timer(actor=louise, board_id=board.pk, seconds=seconds)
    assert stored(board) == before


def test_participants_do_not_run_the_countdown_and_a_closed_table_has_none(table):
    louise, awa, board = table
    before = stored(board)
    with pytest.raises(Forbidden):
        services.start_timer(actor=awa, board_id=board.pk, seconds=60)
    with pytest.raises(Forbidden):
        services.start_timer(actor=None, board_id=board.pk, seconds=60)
    assert stored(board) == before
    services.start_timer(actor=louise, board_id=board.pk, seconds=60)
    before = stored(board)
    with pytest.raises(Forbidden):
        services.stop_timer(actor=awa, board_id=board.pk)
    assert stored(board) == before
    services.stop_timer(actor=louise, board_id=board.pk)
    before = stored(board)
    with pytest.raises(Conflict):
        services.stop_timer(actor=louise, board_id=board.pk)  # nothing to stop
    services.update_board(actor=louise, board_id=board.pk, phase=Phase.CLOSED)
    before = stored(board)
    with pytest.raises(Locked):
        services.start_timer(actor=louise, board_id=board.pk, seconds=60)
    assert stored(board) == before
