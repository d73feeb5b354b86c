"""What an op costs the database thread: a vote, hundreds a second when a workshop opens its
vote, and a card made, what its idea phase is made of, run queries and inserts the ORM built
once (realtime.prepared), not once per op."""

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler, SQLInsertCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.moderation import activity
from boards import services
from realtime.errors import Conflict, NotFound
from tests.factories import make_board, make_project, make_theme, make_user

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


def _workshop_board(facilitator):
    from backend.workshops import services as workshop_services
    from boards.models import Phase

    workshop = workshop_services.create_workshop(
        actor=facilitator,
        territory=facilitator.territory,
        title="Parlons ensemble",
        starts_at=timezone.now(),
        question="Quelle ville demain ?",
        tables=1,
    )
    workshop_services.set_phase(actor=facilitator, workshop_id=workshop.pk, phase=Phase.IDEAS)
    return workshop.tables.get().board, workshop.territory_id


@pytest.mark.parametrize("place", ["project", "workshop", "alone"])
def test_a_card_made_builds_no_sql_and_its_line_says_where(sql_built, place):
    """A workshop's idea phase is made of cards: their reads and rows are built once."""
    owner, member = make_user("Awa", moderator=True), make_user("Bruno")
    territory = None
    if place == "project":
        project = make_project(owner, members=[member])
        theme = make_theme("Solidarité")
        project.themes.set([theme])
        board, territory = make_board(owner, project=project), project.territory_id
    elif place == "workshop":
        board, territory = _workshop_board(owner)
    else:
        board = make_board(owner)
    column = board.columns.order_by("position").first()
    services.create_card(actor=owner, board_id=board.pk, column_id=column.pk, text="Un")
    removed = services.create_card(
        actor=owner, board_id=board.pk, column_id=column.pk, text="Deux"
    ).result
    services.delete_card(actor=owner, board_id=board.pk, card_id=removed.pk)
    sql_built.clear()
    card = services.create_card(
        actor=owner, board_id=board.pk, column_id=column.pk, text="Trois", op_id="c"
    ).result
    assert sql_built == []
    # At the end of the column's live cards, the deleted one left out.
    live = list(column.cards.filter(deleted_at__isnull=True).order_by("position"))
    assert [c.text for c in live] == ["Un", "Trois"] and live[-1].pk == card.pk
    assert card.position > live[0].position
    if territory is None:  # a board of its own: no territory, no line
        return
    line = activity.latest(territory)[0]["data"]
    assert line["kind"] == "card" and line["target"] == {"kind": "card", "id": card.pk}
    if place == "project":
        assert line["project"]["id"] == project.pk and line["themes"] == [theme.pk]
    else:
        assert line["project"] is None and line["themes"] == []


def test_a_card_goes_only_to_a_live_column_of_its_own_board():
    owner = make_user("Chloé")
    board, other = make_board(owner), make_board(owner)
    column = board.columns.order_by("position").first()
    elsewhere = other.columns.order_by("position").first()
    services.delete_column(actor=owner, board_id=board.pk, column_id=column.pk)
    kept = board.columns.filter(deleted_at__isnull=True).first()
    for column_id in (elsewhere.pk, column.pk, str(kept.pk), True, None):
        with pytest.raises(NotFound, match="colonne"):
            services.create_card(actor=owner, board_id=board.pk, column_id=column_id, text="X")
    assert not board.cards.exists() and not other.cards.exists()
    made = services.create_card(actor=owner, board_id=board.pk, column_id=kept.pk, text="X")
    assert made.result.column_id == kept.pk
