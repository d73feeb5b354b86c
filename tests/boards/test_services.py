"""boards.services: every op, and every bad input refused with a clear error and nothing written."""

import pytest

from boards import services
from boards.models import Card, CardRevision, Column, Vote
from realtime.errors import Conflict, Forbidden, Invalid, Locked, NotFound
from realtime.models import Event
from tests.factories import make_board, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    owner = make_user("Awa")
    member = make_user("Bruno")
    project = make_project(owner, members=[member])
    board = make_board(owner, project=project, votes_per_person=2)
    return {"owner": owner, "member": member, "board": board, "column": board.columns.first()}


def _card(actor, board, column, text="Un repair café au marché", **kwargs):
    return services.create_card(
        actor=actor, board_id=board.pk, column_id=column.pk, text=text, **kwargs
    ).result


def rows():
    """Everything a refused op must leave untouched."""
    return (
        Event.objects.count(),
        Card.objects.count(),
        Vote.objects.count(),
        Column.objects.count(),
        CardRevision.objects.count(),
        list(
            Card.objects.order_by("pk").values_list(
                "text", "color", "column", "position", "version", "deleted_at"
            )
        ),
    )


def test_create_card_appends_one_event_with_the_next_seq(
    team, published, django_capture_on_commit_callbacks
):
    citizen = make_user("Chloé")
    with django_capture_on_commit_callbacks(execute=True):
        applied = services.create_card(
            actor=citizen,
            board_id=team["board"].pk,
            column_id=team["column"].pk,
            text="  Des bancs près de la gare  ",
            color="green",
            op_id="op-1",
        )
    card = applied.result
    assert card.text == "Des bancs près de la gare"
    assert card.color == "green"
    assert card.author == citizen
    assert applied.seq == 2  # 1 is board.created
    assert [(f["seq"], f["name"], f["op"]) for f in published] == [(2, "card.created", "op-1")]
    assert published[0]["data"]["card"]["text"] == "Des bancs près de la gare"
    assert published[0]["actor"] == {"id": citizen.pk, "name": "Chloé"}


def test_nothing_is_published_when_the_transaction_rolls_back(
    team, published, django_capture_on_commit_callbacks
):
    from django.db import transaction

    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        _card(team["owner"], team["board"], team["column"])
        raise Boom
    assert published == []
    assert Card.objects.count() == 0


def test_cards_go_to_the_end_of_their_column(team):
    first = _card(team["owner"], team["board"], team["column"], "un")
    second = _card(team["owner"], team["board"], team["column"], "deux")
    third = _card(team["owner"], team["board"], team["column"], "trois")
    assert first.position < second.position < third.position


def test_a_retried_op_id_is_applied_once_and_answers_the_same_seq(team):
    kwargs = dict(
        actor=team["member"],
        board_id=team["board"].pk,
        column_id=team["column"].pk,
        text="Une idée",
        op_id="same-id",
    )
    first = services.create_card(**kwargs)
    again = services.create_card(**kwargs)
    assert not first.duplicate
    assert again.duplicate
    assert again.seq == first.seq
    assert Card.objects.count() == 1
    # The same id from someone else is another op.
    other = services.create_card(**{**kwargs, "actor": team["owner"]})
    assert not other.duplicate
    assert Card.objects.count() == 2


def test_update_card_text_and_colour_bumps_the_version_and_keeps_the_old_text(team):
    card = _card(team["member"], team["board"], team["column"], "avant")
    applied = services.update_card(
        actor=team["member"],
        board_id=team["board"].pk,
        card_id=card.pk,
        text="après",
        color="blue",
        base_version=1,
    )
    card.refresh_from_db()
    assert (card.text, card.color, card.version) == ("après", "blue", 2)
    assert applied.seq is not None
    revision = CardRevision.objects.get(card=card)
    assert (revision.version, revision.text) == (1, "avant")


def test_a_stale_edit_still_applies_and_says_what_it_replaced(
    team, published, django_capture_on_commit_callbacks
):
    card = _card(team["member"], team["board"], team["column"], "version de Bruno")
    services.update_card(
        actor=team["member"],
        board_id=team["board"].pk,
        card_id=card.pk,
        text="Bruno précise",
        base_version=1,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.update_card(
            actor=team["owner"],
            board_id=team["board"].pk,
            card_id=card.pk,
            text="Awa reformule",
            base_version=1,
        )
    card.refresh_from_db()
    assert card.text == "Awa reformule"
    assert published[-1]["data"]["replaced"] == {"version": 2, "text": "Bruno précise"}
    assert list(card.revisions.values_list("text", flat=True)) == [
        "version de Bruno",
        "Bruno précise",
    ]


def test_a_strict_stale_edit_is_a_conflict(team):
    card = _card(team["member"], team["board"], team["column"], "v1")
    services.update_card(
        actor=team["member"], board_id=team["board"].pk, card_id=card.pk, text="v2"
    )
    before = rows()
    with pytest.raises(Conflict):
        services.update_card(
            actor=team["member"],
            board_id=team["board"].pk,
            card_id=card.pk,
            text="v3",
            base_version=1,
            strict=True,
        )
    assert rows() == before


def test_move_card_between_and_across_columns(team):
    board, column = team["board"], team["column"]
    other_column = board.columns.exclude(pk=column.pk).first()
    a, b, c = (_card(team["owner"], board, column, t) for t in "abc")
    services.move_card(
        actor=team["owner"], board_id=board.pk, card_id=c.pk, column_id=column.pk, after_id=a.pk
    )
    order = list(
        Card.objects.filter(column=column).order_by("position", "id").values_list("text", flat=True)
    )
    assert order == ["a", "c", "b"]
    services.move_card(
        actor=team["owner"],
        board_id=board.pk,
        card_id=a.pk,
        column_id=other_column.pk,
        after_id=None,
    )
    services.move_card(
        actor=team["owner"],
        board_id=board.pk,
        card_id=b.pk,
        column_id=other_column.pk,
        after_id=None,
    )
    order = list(
        Card.objects.filter(column=other_column)
        .order_by("position", "id")
        .values_list("text", flat=True)
    )
    assert order == ["b", "a"]
    # Each move wrote one card row: the others kept their positions.
    a.refresh_from_db()
    assert a.column == other_column


def test_delete_is_a_tombstone_and_restore_brings_the_card_back(team):
    card = _card(team["member"], team["board"], team["column"])
    services.delete_card(actor=team["member"], board_id=team["board"].pk, card_id=card.pk)
    card.refresh_from_db()
    assert card.deleted_at is not None
    services.restore_card(actor=team["member"], board_id=team["board"].pk, card_id=card.pk)
    card.refresh_from_db()
    assert card.deleted_at is None


def test_votes_respect_the_budget_and_free_it_on_unvote(team):
    board, column = team["board"], team["column"]
    voter = make_user("Dounia")
    cards = [_card(team["owner"], board, column, str(i)) for i in range(3)]
    services.vote_card(actor=voter, board_id=board.pk, card_id=cards[0].pk)
    services.vote_card(actor=voter, board_id=board.pk, card_id=cards[1].pk)
    before = rows()
    with pytest.raises(Conflict, match="2 votes"):
        services.vote_card(actor=voter, board_id=board.pk, card_id=cards[2].pk)
    assert rows() == before
    services.unvote_card(actor=voter, board_id=board.pk, card_id=cards[0].pk)
    services.vote_card(actor=voter, board_id=board.pk, card_id=cards[2].pk)
    assert set(Vote.objects.filter(voter=voter).values_list("card", flat=True)) == {
        cards[1].pk,
        cards[2].pk,
    }


def test_columns_are_managed_by_the_team(team):
    board = team["board"]
    applied = services.create_column(actor=team["member"], board_id=board.pk, title="Plus tard")
    column = applied.result
    assert column.position > board.columns.exclude(pk=column.pk).order_by("-position")[0].position
    services.update_column(
        actor=team["owner"], board_id=board.pk, column_id=column.pk, title="Un jour"
    )
    services.delete_column(actor=team["owner"], board_id=board.pk, column_id=column.pk)
    column.refresh_from_db()
    assert column.title == "Un jour"
    assert column.deleted_at is not None


def test_the_team_locks_the_board_and_still_writes(team):
    board = team["board"]
    services.update_board(actor=team["member"], board_id=board.pk, locked=True)
    board.refresh_from_db()
    assert board.locked
    # The team moderates a locked board; others get `locked`.
    _card(team["owner"], board, team["column"], "note de l'équipe")
    with pytest.raises(Locked):
        _card(make_user(), board, team["column"])


# Bad input: a clear error and no row written -------------------------------------------------


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def _lock(t, s, c):
    services.update_board(actor=t["owner"], board_id=t["board"].pk, locked=True)


def _vote(t, s, c):
    services.vote_card(actor=s, board_id=t["board"].pk, card_id=c.pk)


def _empty_board_but_one_column(t, s, c):
    board = t["board"]
    services.delete_card(actor=t["owner"], board_id=board.pk, card_id=c.pk)
    for column in list(board.columns.exclude(pk=t["column"].pk)):
        services.delete_column(actor=t["owner"], board_id=board.pk, column_id=column.pk)


def _other_column(t):
    return t["board"].columns.exclude(pk=t["column"].pk).first()


def _nothing(t, s, c):
    pass


BAD_INPUTS = [
    # (case, error, set-up, the refused call)
    (
        "text over 500 characters",
        Invalid,
        _nothing,
        lambda t, s, c: _card(s, t["board"], t["column"], "x" * 501),
    ),
    ("blank text", Invalid, _nothing, lambda t, s, c: _card(s, t["board"], t["column"], "   ")),
    ("text not a string", Invalid, _nothing, lambda t, s, c: _card(s, t["board"], t["column"], 42)),
    (
        "unknown colour",
        Invalid,
        _nothing,
        lambda t, s, c: _card(s, t["board"], t["column"], "ok", color="black"),
    ),
    (
        "unknown column",
        NotFound,
        _nothing,
        lambda t, s, c: services.create_card(
            actor=s, board_id=t["board"].pk, column_id=99999, text="ok"
        ),
    ),
    (
        "column of another board",
        NotFound,
        _nothing,
        lambda t, s, c: services.create_card(
            actor=s, board_id=t["board"].pk, text="ok", column_id=t["elsewhere"].columns.first().pk
        ),
    ),
    (
        "unknown board",
        NotFound,
        _nothing,
        lambda t, s, c: services.create_card(
            actor=s, board_id=99999, column_id=t["column"].pk, text="ok"
        ),
    ),
    (
        "unknown card",
        NotFound,
        _nothing,
        lambda t, s, c: services.update_card(
            actor=s, board_id=t["board"].pk, card_id=99999, text="ok"
        ),
    ),
    (
        "another person's card: edit",
        Forbidden,
        _nothing,
        lambda t, s, c: services.update_card(
            actor=s, board_id=t["board"].pk, card_id=c.pk, text="à moi"
        ),
    ),
    (
        "another person's card: delete",
        Forbidden,
        _nothing,
        lambda t, s, c: services.delete_card(actor=s, board_id=t["board"].pk, card_id=c.pk),
    ),
    (
        "another person's card: move",
        Forbidden,
        _nothing,
        lambda t, s, c: services.move_card(
            actor=s, board_id=t["board"].pk, card_id=c.pk, column_id=t["column"].pk
        ),
    ),
    (
        "a card through another board",
        NotFound,
        _nothing,
        lambda t, s, c: services.delete_card(
            actor=t["owner"], board_id=t["elsewhere"].pk, card_id=c.pk
        ),
    ),
    (
        "anonymous card",
        Forbidden,
        _nothing,
        lambda t, s, c: _card(_anonymous(), t["board"], t["column"]),
    ),
    (
        "anonymous vote",
        Forbidden,
        _nothing,
        lambda t, s, c: services.vote_card(
            actor=_anonymous(), board_id=t["board"].pk, card_id=c.pk
        ),
    ),
    ("vote twice for a card", Conflict, _vote, _vote),
    (
        "unvote without a vote",
        Conflict,
        _nothing,
        lambda t, s, c: services.unvote_card(actor=s, board_id=t["board"].pk, card_id=c.pk),
    ),
    (
        "over the vote limit",
        Conflict,
        lambda t, s, c: [_vote(t, s, card) for card in t["more_cards"][:2]],
        _vote,
    ),
    ("locked board: add", Locked, _lock, lambda t, s, c: _card(s, t["board"], t["column"])),
    ("locked board: vote", Locked, _lock, _vote),
    (
        "locked board: the author edits",
        Locked,
        _lock,
        lambda t, s, c: services.update_card(
            actor=t["member_outside"],
            board_id=t["board"].pk,
            card_id=t["outsider_card"].pk,
            text="tard",
        ),
    ),
    (
        "columns by a non-member",
        Forbidden,
        _nothing,
        lambda t, s, c: services.create_column(actor=s, board_id=t["board"].pk, title="x"),
    ),
    (
        "lock by a non-member",
        Forbidden,
        _nothing,
        lambda t, s, c: services.update_board(actor=s, board_id=t["board"].pk, locked=True),
    ),
    (
        "votes per person out of range",
        Invalid,
        _nothing,
        lambda t, s, c: services.update_board(
            actor=t["owner"], board_id=t["board"].pk, votes_per_person=101
        ),
    ),
    (
        "delete the last column",
        Conflict,
        _empty_board_but_one_column,
        lambda t, s, c: services.delete_column(
            actor=t["owner"], board_id=t["board"].pk, column_id=t["column"].pk
        ),
    ),
    (
        "delete a column with cards",
        Conflict,
        _nothing,
        lambda t, s, c: services.delete_column(
            actor=t["owner"], board_id=t["board"].pk, column_id=t["column"].pk
        ),
    ),
    (
        "move after a card of another column",
        NotFound,
        _nothing,
        lambda t, s, c: services.move_card(
            actor=t["member"],
            board_id=t["board"].pk,
            card_id=c.pk,
            column_id=_other_column(t).pk,
            after_id=c.pk,
        ),
    ),
    (
        "nothing to update",
        Invalid,
        _nothing,
        lambda t, s, c: services.update_card(
            actor=t["member"], board_id=t["board"].pk, card_id=c.pk
        ),
    ),
    (
        "a private board of another team",
        NotFound,
        _nothing,
        lambda t, s, c: _card(s, t["private"], t["private"].columns.first()),
    ),
]


@pytest.mark.parametrize(
    ("case", "error", "setup", "call"), BAD_INPUTS, ids=[case for case, *_ in BAD_INPUTS]
)
def test_bad_input_is_refused_with_a_clear_error_and_writes_nothing(
    team, published, django_capture_on_commit_callbacks, case, error, setup, call
):
    stranger = make_user("Étienne")
    outsider = make_user("Fatou")
    team["member_outside"] = outsider
    team["outsider_card"] = _card(outsider, team["board"], team["column"], "la carte de Fatou")
    team["elsewhere"] = make_board(make_user())
    team["private"] = make_board(make_user(), is_public=False)
    team["more_cards"] = [_card(team["owner"], team["board"], team["column"]) for _ in range(2)]
    card = _card(team["member"], team["board"], team["column"], "la carte de Bruno")
    setup(team, stranger, card)
    before = rows()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(error) as refused:
        call(team, stranger, card)
    assert rows() == before
    assert published == []
    message = str(refused.value.message)
    assert message and message[0].isupper(), "a refusal says why, in a sentence for people"
