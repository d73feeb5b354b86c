"""A reader who was away replays the log after a hiding: their snapshot from before plus the
events as they may see them equals their snapshot after — and no event carries the text."""

import json

import pytest

from boards import services
from boards.models import Board
from boards.selectors import board_snapshot
from realtime import streams
from tests.boards.reducer import apply_event
from tests.factories import make_board, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hidden_mode", [False, True])
@pytest.mark.parametrize("restore", [False, True])
def test_a_replay_after_hiding_rebuilds_the_readers_board(hidden_mode, restore):
    owner, citizen, other = make_user("Awa"), make_user("Chloé"), make_user("Denis")
    moderator = make_user("Modé", moderator=True)
    board = make_board(owner, project=make_project(owner))
    if hidden_mode:
        services.update_board(actor=owner, board_id=board.pk, phase="idees", cards_hidden=True)
    column = board.columns.first()
    since = streams.head(board.stream_key)[0]
    before = board_snapshot(Board.objects.get(pk=board.pk), citizen)
    secret = services.create_card(
        actor=other, board_id=board.pk, column_id=column.pk, text="Secret"
    ).result
    services.create_card(actor=citizen, board_id=board.pk, column_id=column.pk, text="Le mien")
    services.update_card(actor=other, board_id=board.pk, card_id=secret.pk, text="Secret 2")
    services.hide_card(actor=moderator, board_id=board.pk, card_id=secret.pk)
    if restore:
        services.unhide_card(actor=moderator, board_id=board.pk, card_id=secret.pk)
    reader = streams.Reader(person=citizen.pk, sees_all=False)
    frames = streams.replay_events(board.stream_key, since=since, limit=100, reader=reader)
    if not restore or hidden_mode:
        assert all("Secret" not in text for _, text in frames)
    state = before
    for _, text in frames:
        state = apply_event(state, json.loads(text), {"id": citizen.pk, "sees_all": False})
    assert state == board_snapshot(Board.objects.get(pk=board.pk), citizen)
