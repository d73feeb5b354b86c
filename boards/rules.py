"""Who may do what on a board. One predicate per action, used by services, views and templates.

Reading: anyone, for a public board; the team only, for a private one.
Writing: signed-in members add cards and vote; authors edit and delete their own cards;
the board's team (its project's members, its creator, the territory's moderators)
moderates: edits or deletes any card, manages columns, locks the board.
A locked board refuses every write but the team's.
A workshop table follows its phases: cards are written in the ideas phase, moved while
ideas are grouped, voted in the vote phase, and nothing happens once closed — for everyone
but the facilitator (the board's team). Cards are stacked into groups while ideas are written
and grouped, by everyone or, when the board says so, by its team only; a group is voted on
as one proposal. The countdown is the team's.
"""

from __future__ import annotations

from backend.projects.models import Membership
from boards.models import Board, Card, Phase
from realtime.prepared import PreparedQuery

# What each phase lets participants do.
PHASE_ALLOWS = {
    "write": {Phase.IDEAS},
    "move": {Phase.IDEAS, Phase.GROUPING},
    "vote": {Phase.VOTE},
    "group": {Phase.IDEAS, Phase.GROUPING},
}


def is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def is_moderator(user) -> bool:
    return is_signed_in(user) and user.is_moderator


def is_board_team(user, board: Board) -> bool:
    if not is_signed_in(user):
        return False
    if board.created_by_id == user.pk or is_moderator(user):
        return True
    if board.project_id is None:
        return False
    # Several predicates ask this of one board row within one op or one hello: one query. The
    # answer lives on the row object, which lives no longer than that op or hello.
    known = board.__dict__.setdefault("_team_of", {})
    if user.pk not in known:
        known[user.pk] = _membership.first(board.project_id, user.pk) is not None
    return known[user.pk]


# Every hello on a project's board asks it (a reconnect storm, thousands a second): the ORM
# builds the query once.
_membership = PreparedQuery(
    lambda project, user: Membership.objects.filter(project_id=project, user_id=user).only("pk")[
        :1
    ],
    int,
    int,
)


def can_read_board(user, board: Board) -> bool:
    return board.is_public or is_board_team(user, board)


def can_moderate_board(user, board: Board) -> bool:
    return is_board_team(user, board)


def phase_allows(user, board: Board, action: str) -> bool:
    if not board.phase or can_moderate_board(user, board):
        return True
    return board.phase in PHASE_ALLOWS[action]


def can_add_card(user, board: Board) -> bool:
    return is_signed_in(user) and can_read_board(user, board) and phase_allows(user, board, "write")


def can_vote(user, board: Board) -> bool:
    return (
        is_signed_in(user)
        and can_read_board(user, board)
        and board.votes_per_person > 0
        and phase_allows(user, board, "vote")
    )


def can_group_cards(user, board: Board) -> bool:
    """Stack cards into groups: anyone who may write, unless the board keeps it to its team."""
    if not (is_signed_in(user) and can_read_board(user, board)):
        return False
    if board.grouping_by_team_only and not can_moderate_board(user, board):
        return False
    return phase_allows(user, board, "group")


def can_edit_group(user, group) -> bool:
    """Rename or delete a group: whoever made it, or the board's team."""
    if not is_signed_in(user):
        return False
    return group.created_by_id == user.pk or can_moderate_board(user, group.board)


def can_run_timer(user, board: Board) -> bool:
    return can_moderate_board(user, board)


def can_edit_card(user, card: Card) -> bool:
    if not is_signed_in(user):
        return False
    return card.author_id == user.pk or can_moderate_board(user, card.board)


def is_locked_for(user, board: Board) -> bool:
    return board.locked and not can_moderate_board(user, board)
