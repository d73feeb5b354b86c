"""Who may do what on a board: role and action → allowed?"""

import pytest
from django.contrib.auth.models import AnonymousUser

from boards import rules
from boards.models import Board, Card, Column
from tests.factories import make_project, make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "citizen", "author", "team", "creator", "moderator"]
ACTIONS = [
    "read",
    "read private",
    "add card",
    "vote",
    "edit own card",
    "edit others' card",
    "moderate",
    "write when locked",
]

# role → the actions it may do: the board's team (its project's members, its creator, the
# territory's moderators) may do everything.
ALLOWED = {
    "anonymous": {"read"},
    "citizen": {"read", "add card", "vote"},
    "author": {"read", "add card", "vote", "edit own card"},
    "team": set(ACTIONS),
    "creator": set(ACTIONS),
    "moderator": set(ACTIONS),
}


@pytest.fixture
def world(db):
    creator = make_user("Créatrice")
    team_member = make_user("Équipière")
    project = make_project(make_user("Porteur"), members=[team_member])
    # Set-up rows: a board of the project that someone outside the team created.
    board = Board.objects.create(title="t", project=project, created_by=creator)
    private = Board.objects.create(title="p", project=project, created_by=creator, is_public=False)
    Column.objects.create(board=board, title="Idées", position="i")
    people = {
        "anonymous": AnonymousUser(),
        "citizen": make_user("Citoyen"),
        "author": make_user("Autrice"),
        "team": team_member,
        "creator": creator,
        "moderator": make_user("Modératrice", moderator=True),
    }
    column = board.columns.first()
    cards = {
        role: Card.objects.create(board=board, column=column, text="x", position="i", author=person)
        for role, person in people.items()
        if role not in {"anonymous", "citizen"}  # a citizen who wrote nothing yet
    }
    someone_elses = Card.objects.create(
        board=board, column=column, text="y", position="j", author=make_user("Quelqu'un")
    )
    yield {
        "board": board,
        "private": private,
        "people": people,
        "cards": cards,
        "other": someone_elses,
    }


def allowed(world, role, action) -> bool:
    user, board = world["people"][role], world["board"]
    if action == "read":
        return rules.can_read_board(user, board)
    if action == "read private":
        return rules.can_read_board(user, world["private"])
    if action == "add card":
        return rules.can_add_card(user, board)
    if action == "vote":
        return rules.can_vote(user, board)
    if action == "edit own card":
        return role in world["cards"] and rules.can_edit_card(user, world["cards"][role])
    if action == "edit others' card":
        return rules.can_edit_card(user, world["other"])
    if action == "moderate":
        return rules.can_moderate_board(user, board)
    if action == "write when locked":
        board.locked = True
        try:
            return rules.can_add_card(user, board) and not rules.is_locked_for(user, board)
        finally:
            board.locked = False
    raise AssertionError(action)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_table(world, role, action):
    assert allowed(world, role, action) == (action in ALLOWED[role])


def test_no_vote_on_a_board_without_votes(world):
    board = world["board"]
    board.votes_per_person = 0
    assert not rules.can_vote(world["people"]["citizen"], board)
