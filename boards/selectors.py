"""Reads of boards. Snapshots and event payloads both come from here, so they cannot drift."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, Q

from boards import rules
from boards.models import Board, Card, CardGroup, Column, Vote
from realtime.auth import actor_of


def board_data(board: Board) -> dict:
    return {
        "id": board.pk,
        "title": board.title,
        "locked": board.locked,
        "phase": board.phase,
        "votes_per_person": board.votes_per_person,
        "is_public": board.is_public,
        "project": board.project_id,
        "cards_hidden": board.cards_hidden,
        "grouping_by_team_only": board.grouping_by_team_only,
        "timer": timer_data(board),
    }


def iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def timer_data(board: Board) -> dict:
    """The countdown as stored: when it ends (null: none) and how long it was set for.

    Clients count down from `ends_at` against the server's clock (hello's `limits.now`, and
    each event's `at`), never against their own: a phone's clock may be minutes off.
    """
    return {"ends_at": iso(board.timer_ends_at), "seconds": board.timer_seconds}


def timer_remaining(board: Board, now) -> int | None:
    """Whole seconds left at `now` (0 once over), or None without a countdown."""
    if board.timer_ends_at is None:
        return None
    return max(0, int((board.timer_ends_at - now).total_seconds() + 0.999))


def _votes(item: Card | CardGroup, votes: int | None) -> int:
    """The count given, else the one annotated by the query (`vote_count`), else one query."""
    if votes is None:
        votes = getattr(item, "vote_count", None)
    return item.votes.count() if votes is None else votes


def group_data(group: CardGroup, *, votes: int | None = None) -> dict:
    votes = _votes(group, votes)
    return {
        "id": group.pk,
        "title": group.title,
        "position": group.position,
        "created_by": group.created_by_id,
        "votes": votes,
    }


def live_groups(board: Board):
    return (
        board.groups.filter(deleted_at__isnull=True)
        .annotate(vote_count=Count("votes"))
        .order_by("position", "id")
    )


def column_data(column: Column) -> dict:
    return {"id": column.pk, "title": column.title, "position": column.position}


def card_data(card: Card, *, votes: int | None = None) -> dict:
    votes = _votes(card, votes)
    return {
        "id": card.pk,
        "column": card.column_id,
        "group": card.group_id,
        "text": card.text,
        "color": card.color,
        "position": card.position,
        "author": actor_of(card.author),
        "version": card.version,
        "votes": votes,
        "created_at": card.created_at.isoformat().replace("+00:00", "Z"),
    }


def live_columns(board: Board):
    return board.columns.filter(deleted_at__isnull=True).order_by("position", "id")


def live_cards(board: Board):
    return (
        board.cards.filter(deleted_at__isnull=True, hidden_at__isnull=True)
        .select_related("author")
        .annotate(vote_count=Count("votes"))
        .order_by("position", "id")
    )


def sees_hidden_cards(user, board: Board) -> bool:
    """Whether this reader sees every card of a board in hidden mode: its team does."""
    return rules.can_moderate_board(user, board)


def board_snapshot(board: Board, reader=None) -> dict:
    """Everything a client needs to draw the board.

    The same for every reader, except in hidden mode: a reader outside the team then gets
    only their own cards, and `cards_total`, the number of cards on the board.
    """
    cards = live_cards(board)
    snapshot = {
        "board": board_data(board),
        "columns": [column_data(column) for column in live_columns(board)],
        "groups": [group_data(group) for group in live_groups(board)],
    }
    if board.cards_hidden and not sees_hidden_cards(reader, board):
        own = reader.pk if rules.is_signed_in(reader) else None
        snapshot["cards"] = [card_data(card) for card in cards.filter(author_id=own)]
        snapshot["cards_total"] = hidden_card_count(board)
    else:
        snapshot["cards"] = [card_data(card) for card in cards]
    return snapshot


def hidden_card_count(board: Board) -> int:
    """What a reader of a board in hidden mode knows of the others' cards: how many there are."""
    return board.cards.filter(deleted_at__isnull=True, hidden_at__isnull=True).count()


def votes_of(board: Board, user) -> tuple[list[int], list[int]]:
    """This person's votes on the board: the cards, then the groups (one query for both).

    Every hello reads it, a reconnect storm thousands of times a second: written in SQL, as
    building the same filter with the ORM cost ten times the query itself (profiled).
    """
    if not rules.is_signed_in(user):
        return [], []
    vote, card, group = (m._meta.db_table for m in (Vote, Card, CardGroup))
    sql = (
        f"SELECT v.card_id, v.group_id FROM {vote} v "
        f"LEFT JOIN {card} c ON c.id = v.card_id LEFT JOIN {group} g ON g.id = v.group_id "
        "WHERE v.board_id = %s AND v.voter_id = %s AND ("
        "(v.card_id IS NOT NULL AND c.deleted_at IS NULL) "
        "OR (v.group_id IS NOT NULL AND g.deleted_at IS NULL))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [board.pk, user.pk])
        rows = cursor.fetchall()
    cards = sorted(card for card, _group in rows if card is not None)
    groups = sorted(group for card, group in rows if card is None)
    return cards, groups


def board_me(board: Board, user) -> dict:
    """What this reader may do on the board, and their votes."""
    signed_in = rules.is_signed_in(user)
    return {
        "id": user.pk if signed_in else None,
        "name": user.public_name if signed_in else None,
        "can_write": rules.can_add_card(user, board),
        "can_vote": rules.can_vote(user, board),
        "can_moderate": rules.can_moderate_board(user, board),
        **dict(zip(("voted", "voted_groups"), votes_of(board, user), strict=True)),
        "can_group": rules.can_group_cards(user, board),
    }


def readable_boards(user):
    boards = Board.objects.select_related("project")
    if rules.is_moderator(user):
        return boards
    visible = Q(is_public=True)
    if rules.is_signed_in(user):
        visible |= Q(created_by=user) | Q(project__memberships__user=user)
    return boards.filter(visible).distinct()
