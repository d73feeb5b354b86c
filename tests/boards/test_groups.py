"""Groups of cards: stacked by participants (or the team only), each voted on as one proposal,
the same budget for card votes and group votes; every bad input refused, nothing written."""

import pytest

from boards import rules, services
from boards.models import Card, CardGroup, Phase, Vote
from boards.selectors import board_me, board_snapshot
from realtime.errors import Conflict, Forbidden, Invalid, Locked, NotFound
from realtime.models import Event
from tests.factories import make_board, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_french():
    """The messages are checked in French, whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("fr"):
        yield


@pytest.fixture
def table():
    """A workshop-like table: Louise facilitates, Awa and Bruno take part; three cards."""
    louise, awa, bruno = make_user("Louise"), make_user("Awa"), make_user("Bruno")
    board = make_board(louise, with_project=False, votes_per_person=2)
    column = board.columns.first()
    cards = [
        services.create_card(actor=who, board_id=board.pk, column_id=column.pk, text=text).result
        for who, text in [(awa, "Un café"), (bruno, "Une fête"), (awa, "Des bancs")]
    ]
    return {"louise": louise, "awa": awa, "bruno": bruno, "board": board, "cards": cards}


def rows():
    """Everything a refused op must leave untouched."""
    return (
        Event.objects.count(),
        Vote.objects.count(),
        list(CardGroup.objects.order_by("pk").values_list("title", "position", "deleted_at")),
        list(Card.objects.order_by("pk").values_list("group", "updated_at")),
    )


def phase(t, value):
    services.update_board(actor=t["louise"], board_id=t["board"].pk, phase=value)


def group_of(t, who="awa", title="Convivialité", cards=(0, 1)):
    return services.create_group(
        actor=t[who],
        board_id=t["board"].pk,
        title=title,
        card_ids=[t["cards"][i].pk for i in cards],
    ).result


def test_a_participant_stacks_cards_into_a_group_renames_it_and_unstacks_them(table):
    t = table
    phase(t, Phase.GROUPING)
    group = group_of(t)
    assert group.title == "Convivialité" and group.created_by == t["awa"]
    assert set(group.cards.values_list("pk", flat=True)) == {t["cards"][0].pk, t["cards"][1].pk}
    event = Event.objects.order_by("-seq").first()
    assert event.name == "group.created"
    assert event.data["group"] == {
        "id": group.pk,
        "title": "Convivialité",
        "position": group.position,
        "created_by": t["awa"].pk,
        "votes": 0,
    }
    assert {c["id"] for c in event.data["cards"]} == {t["cards"][0].pk, t["cards"][1].pk}
    assert all(c["group"] == group.pk for c in event.data["cards"])

    # Bruno puts the third card in too (anyone's cards: grouping is the table's work).
    services.group_card(
        actor=t["bruno"], board_id=t["board"].pk, card_id=t["cards"][2].pk, group_id=group.pk
    )
    assert Card.objects.get(pk=t["cards"][2].pk).group == group
    services.update_group(
        actor=t["awa"], board_id=t["board"].pk, group_id=group.pk, title="  Se rencontrer "
    )
    assert CardGroup.objects.get(pk=group.pk).title == "Se rencontrer"
    services.group_card(
        actor=t["awa"], board_id=t["board"].pk, card_id=t["cards"][0].pk, group_id=None
    )
    assert Card.objects.get(pk=t["cards"][0].pk).group is None

    snapshot = board_snapshot(t["board"])
    assert snapshot["groups"] == [
        {
            "id": group.pk,
            "title": "Se rencontrer",
            "position": group.position,
            "created_by": t["awa"].pk,
            "votes": 0,
        }
    ]
    assert {c["id"]: c["group"] for c in snapshot["cards"]} == {
        t["cards"][0].pk: None,
        t["cards"][1].pk: group.pk,
        t["cards"][2].pk: group.pk,
    }
    assert board_me(t["board"], t["awa"])["can_group"] is True


def test_deleting_a_group_ungroups_its_cards(table):
    t = table
    group = group_of(t)
    services.delete_card(actor=t["awa"], board_id=t["board"].pk, card_id=t["cards"][0].pk)
    services.delete_group(actor=t["awa"], board_id=t["board"].pk, group_id=group.pk)
    event = Event.objects.order_by("-seq").first()
    assert event.name == "group.deleted" and event.data["group"] == group.pk
    assert [c["id"] for c in event.data["cards"]] == [t["cards"][1].pk]  # live cards only
    assert not Card.objects.filter(group=group).exists()  # the deleted card too
    assert board_snapshot(t["board"])["groups"] == []
    restored = services.restore_card(
        actor=t["awa"], board_id=t["board"].pk, card_id=t["cards"][0].pk
    ).result
    assert restored.group is None


def test_groups_keep_their_order(table):
    first = group_of(table, title="A", cards=())
    second = group_of(table, title="B", cards=())
    assert first.position < second.position
    assert [g["title"] for g in board_snapshot(table["board"])["groups"]] == ["A", "B"]


BAD_GROUPING = [
    ("title too long", lambda t: group_of(t, title="x" * 81), Invalid),
    ("empty title", lambda t: group_of(t, title="   "), Invalid),
    ("title not a text", lambda t: group_of(t, title=12), Invalid),
    (
        "cards not a list",
        lambda t: services.create_group(
            actor=t["awa"], board_id=t["board"].pk, title="x", card_ids="1,2"
        ),
        Invalid,
    ),
    (
        "a card id that is a boolean",
        lambda t: services.create_group(
            actor=t["awa"], board_id=t["board"].pk, title="x", card_ids=[True]
        ),
        Invalid,
    ),
    (
        "a card of another board",
        lambda t: services.create_group(
            actor=t["awa"], board_id=t["board"].pk, title="x", card_ids=[t["foreign_card"].pk]
        ),
        NotFound,
    ),
    (
        "a card in a group of another board",
        lambda t: services.group_card(
            actor=t["awa"],
            board_id=t["board"].pk,
            card_id=t["cards"][2].pk,
            group_id=t["foreign_group"].pk,
        ),
        NotFound,
    ),
    (
        "a deleted group",
        lambda t: services.group_card(
            actor=t["awa"],
            board_id=t["board"].pk,
            card_id=t["cards"][2].pk,
            group_id=t["deleted_group"].pk,
        ),
        NotFound,
    ),
    (
        "renaming someone else's group",
        lambda t: services.update_group(
            actor=t["bruno"], board_id=t["board"].pk, group_id=t["group"].pk, title="À moi"
        ),
        Forbidden,
    ),
    (
        "deleting someone else's group",
        lambda t: services.delete_group(
            actor=t["bruno"], board_id=t["board"].pk, group_id=t["group"].pk
        ),
        Forbidden,
    ),
    (
        "renaming a group through another board",
        lambda t: services.update_group(
            actor=t["awa"], board_id=t["other_board"].pk, group_id=t["group"].pk, title="x"
        ),
        NotFound,
    ),
    (
        "a card already in that group",
        lambda t: services.group_card(
            actor=t["awa"],
            board_id=t["board"].pk,
            card_id=t["cards"][0].pk,
            group_id=t["group"].pk,
        ),
        Conflict,
    ),
    (
        "anonymous",
        lambda t: services.create_group(actor=None, board_id=t["board"].pk, title="x"),
        Forbidden,
    ),
]


@pytest.mark.parametrize(("case", "op", "error"), BAD_GROUPING, ids=[c for c, *_ in BAD_GROUPING])
def test_bad_grouping_is_refused_and_writes_nothing(table, case, op, error):
    t = table
    other_owner = make_user("Autre")
    other = make_board(other_owner, with_project=False)
    t["other_board"] = other
    t["foreign_card"] = services.create_card(
        actor=other_owner, board_id=other.pk, column_id=other.columns.first().pk, text="ailleurs"
    ).result
    t["foreign_group"] = services.create_group(
        actor=other_owner, board_id=other.pk, title="Ailleurs"
    ).result
    t["group"] = group_of(t)
    t["deleted_group"] = group_of(t, title="Vieux", cards=())
    services.delete_group(actor=t["awa"], board_id=t["board"].pk, group_id=t["deleted_group"].pk)
    before = rows()
    with pytest.raises(error):
        op(t)
    assert rows() == before


def test_team_only_grouping_and_the_team_is_not_bound_by_phases(table):
    t = table
    board = make_board(t["louise"], with_project=False, grouping_by_team_only=True)
    card = services.create_card(
        actor=t["awa"], board_id=board.pk, column_id=board.columns.first().pk, text="Un banc"
    ).result
    before = rows()
    with pytest.raises(Forbidden, match="seule l'équipe"):
        services.create_group(actor=t["awa"], board_id=board.pk, title="x", card_ids=[card.pk])
    assert rows() == before
    assert board_me(board, t["awa"])["can_group"] is False
    services.update_board(actor=t["louise"], board_id=board.pk, phase=Phase.VOTE)
    group = services.create_group(
        actor=t["louise"], board_id=board.pk, title="Mobilier", card_ids=[card.pk]
    ).result
    assert group.cards.get() == card
    assert rules.can_group_cards(t["louise"], board) and not rules.can_group_cards(t["awa"], board)


def test_a_locked_board_a_closed_table_and_hidden_cards_refuse_grouping(table):
    t = table
    group = group_of(t)
    services.update_board(actor=t["louise"], board_id=t["board"].pk, locked=True)
    before = rows()
    with pytest.raises(Locked):
        group_of(t, title="Encore")
    with pytest.raises(Locked):
        services.delete_group(actor=t["awa"], board_id=t["board"].pk, group_id=group.pk)
    assert rows() == before
    services.update_board(actor=t["louise"], board_id=t["board"].pk, locked=False)
    phase(t, Phase.CLOSED)
    before = rows()
    with pytest.raises(Locked, match="clos"):
        services.group_card(
            actor=t["awa"], board_id=t["board"].pk, card_id=t["cards"][2].pk, group_id=group.pk
        )
    assert rows() == before
    phase(t, Phase.IDEAS)
    services.update_board(actor=t["louise"], board_id=t["board"].pk, cards_hidden=True)
    before = rows()
    with pytest.raises(Conflict, match="cachées"):
        group_of(t, who="louise", title="Trop tôt", cards=(2,))
    assert rows() == before


# Votes ---------------------------------------------------------------------------------------


def test_a_group_is_voted_on_as_one_proposal(table):
    t = table
    group = group_of(t)
    phase(t, Phase.VOTE)
    services.vote_group(actor=t["bruno"], board_id=t["board"].pk, group_id=group.pk)
    event = Event.objects.order_by("-seq").first()
    assert (event.name, event.data) == (
        "group.voted",
        {"group": group.pk, "votes": 1, "voter": t["bruno"].pk},
    )
    assert board_snapshot(t["board"])["groups"][0]["votes"] == 1
    me = board_me(t["board"], t["bruno"])
    assert me["voted_groups"] == [group.pk] and me["voted"] == []
    # A card inside a group is not voted on alone.
    before = rows()
    with pytest.raises(Conflict, match="votez pour le groupe"):
        services.vote_card(actor=t["bruno"], board_id=t["board"].pk, card_id=t["cards"][0].pk)
    with pytest.raises(Conflict, match="déjà voté"):
        services.vote_group(actor=t["bruno"], board_id=t["board"].pk, group_id=group.pk)
    assert rows() == before
    services.unvote_group(actor=t["bruno"], board_id=t["board"].pk, group_id=group.pk)
    assert not Vote.objects.exists()
    assert Event.objects.order_by("-seq").first().name == "group.unvoted"
    with pytest.raises(Conflict):
        services.unvote_group(actor=t["bruno"], board_id=t["board"].pk, group_id=group.pk)


def test_card_votes_and_group_votes_share_one_budget(table):
    t = table  # votes_per_person=2
    group = group_of(t, cards=(0,))
    other = group_of(t, title="Mobilier", cards=(1,))
    phase(t, Phase.VOTE)
    services.vote_card(actor=t["awa"], board_id=t["board"].pk, card_id=t["cards"][2].pk)
    services.vote_group(actor=t["awa"], board_id=t["board"].pk, group_id=group.pk)
    before = rows()
    with pytest.raises(Conflict, match="2 votes"):
        services.vote_group(actor=t["awa"], board_id=t["board"].pk, group_id=other.pk)
    assert rows() == before
    services.unvote_card(actor=t["awa"], board_id=t["board"].pk, card_id=t["cards"][2].pk)
    services.vote_group(actor=t["awa"], board_id=t["board"].pk, group_id=other.pk)
    me = board_me(t["board"], t["awa"])
    assert me["voted"] == [] and me["voted_groups"] == [group.pk, other.pk]
    # A vote for a deleted group no longer counts against the budget.
    services.delete_group(actor=t["louise"], board_id=t["board"].pk, group_id=group.pk)
    services.vote_card(actor=t["awa"], board_id=t["board"].pk, card_id=t["cards"][2].pk)
    assert board_me(t["board"], t["awa"])["voted_groups"] == [other.pk]


def test_group_votes_follow_the_phase_and_refuse_empty_groups(table):
    t = table
    group = group_of(t)
    empty = group_of(t, title="Vide", cards=())
    before = rows()
    phase(t, Phase.GROUPING)
    before = rows()
    with pytest.raises(Forbidden, match="Vote"):
        services.vote_group(actor=t["bruno"], board_id=t["board"].pk, group_id=group.pk)
    assert rows() == before
    phase(t, Phase.VOTE)
    before = rows()
    with pytest.raises(Conflict, match="vide"):
        services.vote_group(actor=t["bruno"], board_id=t["board"].pk, group_id=empty.pk)
    with pytest.raises(NotFound):
        services.vote_group(actor=t["bruno"], board_id=t["board"].pk, group_id=999999)
    # The vote phase is not the grouping phase: participants no longer regroup.
    with pytest.raises(Forbidden, match="regroupent"):
        group_of(t, who="bruno", title="Tard", cards=(2,))
    assert rows() == before


def test_a_vote_needs_exactly_a_card_or_a_group():
    from django.db import IntegrityError, transaction

    t_board = make_board(make_user(), with_project=False)
    voter = make_user()
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(board=t_board, voter=voter)
