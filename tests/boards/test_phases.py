"""Workshop tables follow their phases, enforced by the services for participants; the
facilitator (the board's team) is not bound by them."""

import pytest

from boards import services
from boards.models import Card, CardGroup, Phase, Vote
from realtime.errors import Forbidden, Invalid, Locked
from tests.factories import make_board, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def table():
    facilitator, participant = make_user("Louise"), make_user("Awa")
    board = make_board(facilitator, with_project=False, votes_per_person=2)
    column = board.columns.first()
    card = services.create_card(
        actor=facilitator, board_id=board.pk, column_id=column.pk, text="Une idée"
    ).result
    return facilitator, participant, board, column, card


def set_phase(board, facilitator, phase):
    services.update_board(actor=facilitator, board_id=board.pk, phase=phase)


ACTIONS = {
    "write": lambda who, b, col, card: services.create_card(
        actor=who, board_id=b.pk, column_id=col.pk, text="Encore une"
    ),
    "move": lambda who, b, col, card: services.move_card(
        actor=who, board_id=b.pk, card_id=card.pk, column_id=col.pk
    ),
    "vote": lambda who, b, col, card: services.vote_card(actor=who, board_id=b.pk, card_id=card.pk),
    "group": lambda who, b, col, card: services.create_group(
        actor=who, board_id=b.pk, title="Ensemble", card_ids=[card.pk]
    ),
}

# phase → the participant's actions it allows
ALLOWED = {
    Phase.WELCOME: set(),
    Phase.IDEAS: {"write", "move", "group"},
    Phase.GROUPING: {"move", "group"},
    Phase.VOTE: {"vote"},
    Phase.RESULTS: set(),
    Phase.CLOSED: set(),
}


@pytest.mark.parametrize("phase", list(ALLOWED))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_phase_allows_its_actions_only(table, phase, action):
    facilitator, participant, board, column, card = table
    set_phase(board, facilitator, phase)
    mine = services.create_card(actor=facilitator, board_id=board.pk, column_id=column.pk, text="x")
    card = mine.result
    if action == "move":  # participants move their own cards
        card.author = participant
        card.save()
    before = (Card.objects.count(), Vote.objects.count(), CardGroup.objects.count())
    if action in ALLOWED[phase]:
        ACTIONS[action](participant, board, column, card)
    else:
        expected = Locked if phase == Phase.CLOSED else Forbidden
        with pytest.raises(expected):
            ACTIONS[action](participant, board, column, card)
        assert (Card.objects.count(), Vote.objects.count(), CardGroup.objects.count()) == before


def test_the_facilitator_is_not_bound_and_alone_sets_the_phase(table):
    facilitator, participant, board, column, card = table
    set_phase(board, facilitator, Phase.CLOSED)
    services.create_card(actor=facilitator, board_id=board.pk, column_id=column.pk, text="Bilan")
    with pytest.raises(Forbidden):
        services.update_board(actor=participant, board_id=board.pk, phase=Phase.IDEAS)
    with pytest.raises(Invalid):
        services.update_board(actor=facilitator, board_id=board.pk, phase="sieste")
    board.refresh_from_db()
    assert board.phase == Phase.CLOSED


def test_the_vote_limit_holds_in_the_vote_phase(table):
    facilitator, participant, board, column, card = table
    others = [
        services.create_card(
            actor=facilitator, board_id=board.pk, column_id=column.pk, text=t
        ).result
        for t in ("B", "C")
    ]
    set_phase(board, facilitator, Phase.VOTE)
    for target in (card, others[0]):
        services.vote_card(actor=participant, board_id=board.pk, card_id=target.pk)
    from realtime.errors import Conflict

    with pytest.raises(Conflict):
        services.vote_card(actor=participant, board_id=board.pk, card_id=others[1].pk)


def test_a_board_without_phases_is_unchanged(table):
    facilitator, participant, board, column, card = table
    assert board.phase == ""
    ACTIONS["write"](participant, board, column, card)
    ACTIONS["vote"](participant, board, column, card)
