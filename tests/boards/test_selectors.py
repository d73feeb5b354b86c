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


def test_me_lists_the_reader_s_live_card_and_group_votes_only():
    owner, reader = make_user(), make_user()
    board, other = make_board(owner, votes_per_person=10), make_board(owner)

    def card(text, on=board):
        return services.create_card(
            actor=owner, board_id=on.pk, column_id=on.columns.first().pk, text=text
        ).result

    kept, gone, elsewhere = card("gardée"), card("supprimée"), card("ailleurs", other)
    kept_group, gone_group = (
        services.create_group(
            actor=owner, board_id=board.pk, title=title, card_ids=[card(title).pk]
        ).result
        for title in ("Groupe", "Parti")
    )
    for target in (kept, gone):
        services.vote_card(actor=reader, board_id=board.pk, card_id=target.pk)
    services.vote_card(actor=owner, board_id=board.pk, card_id=kept.pk)  # someone else's
    services.vote_card(actor=reader, board_id=other.pk, card_id=elsewhere.pk)
    for group in (kept_group, gone_group):
        services.vote_group(actor=reader, board_id=board.pk, group_id=group.pk)
    services.delete_card(actor=owner, board_id=board.pk, card_id=gone.pk)
    services.delete_group(actor=owner, board_id=board.pk, group_id=gone_group.pk)
    me = board_me(Board.objects.get(pk=board.pk), reader)
    assert (me["voted"], me["voted_groups"]) == ([kept.pk], [kept_group.pk])
    assert board_me(Board.objects.get(pk=board.pk), owner)["voted"] == [kept.pk]
