import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from boards import services
from boards.models import Board
from boards.selectors import board_me, board_snapshot
from tests.factories import make_board, make_user

pytestmark = pytest.mark.django_db


def test_the_snapshot_and_me_cost_the_same_queries_whatever_the_number_of_cards():
    owner = make_user()
    board = make_board(owner)
    column = board.columns.first()

    def add(n):
        for i in range(n):
            card = services.create_card(
                actor=owner, board_id=board.pk, column_id=column.pk, text=f"idée {i}"
            ).result
            services.vote_card(
                actor=owner if i < 3 else make_user(), board_id=board.pk, card_id=card.pk
            )

    def cost():
        fresh = Board.objects.select_related("project").get(pk=board.pk)
        with CaptureQueriesContext(connection) as queries:
            snapshot = board_snapshot(fresh)
            board_me(fresh, owner)
        return len(queries), len(snapshot["cards"])

    add(2)
    few, cards = cost()
    assert cards == 2
    add(30)
    many, cards = cost()
    assert cards == 32
    assert many == few
