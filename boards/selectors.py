"""Reads of boards. Snapshots and event payloads both come from here, so they cannot drift."""

from __future__ import annotations

from django.db.models import Count, Q

from boards import rules
from boards.models import Board, Card, Column, Vote
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
    }


def column_data(column: Column) -> dict:
    return {"id": column.pk, "title": column.title, "position": column.position}


def card_data(card: Card, *, votes: int | None = None) -> dict:
    if votes is None:
        votes = getattr(card, "vote_count", None)
    if votes is None:
        votes = card.votes.count()
    return {
        "id": card.pk,
        "column": card.column_id,
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
        board.cards.filter(deleted_at__isnull=True)
        .select_related("author")
        .annotate(vote_count=Count("votes"))
        .order_by("position", "id")
    )


def board_snapshot(board: Board) -> dict:
    """Everything a client needs to draw the board, the same for every reader."""
    return {
        "board": board_data(board),
        "columns": [column_data(column) for column in live_columns(board)],
        "cards": [card_data(card) for card in live_cards(board)],
    }


def voted_cards(board: Board, user) -> list[int]:
    if not rules.is_signed_in(user):
        return []
    return list(
        Vote.objects.filter(board=board, voter=user, card__deleted_at__isnull=True)
        .order_by("card_id")
        .values_list("card_id", flat=True)
    )


def board_me(board: Board, user) -> dict:
    """What this reader may do on the board, and their votes."""
    signed_in = rules.is_signed_in(user)
    return {
        "id": user.pk if signed_in else None,
        "name": user.public_name if signed_in else None,
        "can_write": rules.can_add_card(user, board),
        "can_vote": rules.can_vote(user, board),
        "can_moderate": rules.can_moderate_board(user, board),
        "voted": voted_cards(board, user),
    }


def readable_boards(user):
    boards = Board.objects.select_related("project")
    if rules.is_moderator(user):
        return boards
    visible = Q(is_public=True)
    if rules.is_signed_in(user):
        visible |= Q(created_by=user) | Q(project__memberships__user=user)
    return boards.filter(visible).distinct()
