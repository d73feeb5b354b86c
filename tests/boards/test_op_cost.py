"""What an op costs the database thread: a vote, hundreds a second when a workshop opens its
vote, runs queries and inserts the ORM built once (realtime.prepared), not once per vote."""

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler, SQLInsertCompiler
from django.test.utils import CaptureQueriesContext

from boards import services
from realtime.errors import Conflict
from tests.factories import make_board, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def sql_built(monkeypatch):
    """The SELECTs and INSERTs Django builds from a queryset or a save (by model)."""
    built = []
    for compiler in (SQLCompiler, SQLInsertCompiler):
        original = compiler.as_sql

        def as_sql(self, *args, original=original, kind=compiler.__name__, **kwargs):
            built.append((kind, self.query.model.__name__))
            return original(self, *args, **kwargs)

        monkeypatch.setattr(compiler, "as_sql", as_sql)
    return built


def test_a_vote_on_a_project_s_board_builds_no_sql(sql_built):
    owner, voter, other = make_user("Awa"), make_user("Bruno"), make_user("Chloé")
    board = make_board(owner, project=make_project(owner, members=[voter]))
    column = board.columns.order_by("position").first()
    first, second = (
        services.create_card(actor=owner, board_id=board.pk, column_id=column.pk, text=t).result
        for t in ("Un", "Deux")
    )
    services.vote_card(actor=other, board_id=board.pk, card_id=first.pk, op_id="warm")
    sql_built.clear()
    with CaptureQueriesContext(connection) as queries:
        applied = services.vote_card(actor=voter, board_id=board.pk, card_id=second.pk, op_id="v")
    assert sql_built == []  # neither its reads nor its vote and event rows
    assert applied.seq and not applied.duplicate
    assert second.votes.count() == 1
    # The event says how many votes the card has now.
    assert '"votes": 1' in next(
        q["sql"] for q in queries if "INSERT" in q["sql"] and "event" in q["sql"].lower()
    )


def test_the_prepared_reads_still_refuse_what_they_must():
    owner, voter = make_user("Damien"), make_user("Emma")
    board = make_board(owner, votes_per_person=1)
    column = board.columns.order_by("position").first()
    card, other = (
        services.create_card(actor=owner, board_id=board.pk, column_id=column.pk, text=t).result
        for t in ("Un", "Deux")
    )
    services.vote_card(actor=voter, board_id=board.pk, card_id=card.pk, op_id="a")
    with pytest.raises(Conflict, match="déjà voté"):
        services.vote_card(actor=voter, board_id=board.pk, card_id=card.pk, op_id="b")
    with pytest.raises(Conflict, match="vos 1 votes"):
        services.vote_card(actor=voter, board_id=board.pk, card_id=other.pk, op_id="c")
    again = services.vote_card(actor=voter, board_id=board.pk, card_id=card.pk, op_id="a")
    assert again.duplicate  # the op's id already applied: its seq, not a second vote
