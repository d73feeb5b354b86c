"""Reads for the facilitator: what each proposal became, and each table's figures."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from backend.workshops.models import Participant, ProposalOutcome, Table, Workshop
from boards.models import Card, Vote


def outcomes_by_proposal(workshop: Workshop) -> dict[tuple[str, int], ProposalOutcome]:
    """("card", id) or ("group", id) → what that proposal became (one query)."""
    found = {}
    for outcome in ProposalOutcome.objects.filter(workshop=workshop).select_related(
        "project", "need"
    ):
        if outcome.group_id is not None:
            found["group", outcome.group_id] = outcome
        elif outcome.card_id is not None:
            found["card", outcome.card_id] = outcome
    return found


def with_outcomes(workshop: Workshop, ranked: list) -> list:
    """Each proposal of `ranked` (results.Proposal) gets `outcome`: its ProposalOutcome or None."""
    found = outcomes_by_proposal(workshop)
    for proposal in ranked:
        group = getattr(proposal, "group", None)
        key = ("group", group) if group is not None else ("card", proposal.card)
        proposal.outcome = found.get(key)
    return ranked


def _count(queryset, outer: str):
    """A correlated COUNT(*) of `queryset` per row of the outer query (0 when none)."""
    counted = (
        queryset.filter(**{outer: OuterRef("board_id")})
        .order_by()
        .values(outer)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def tables_with_counts(workshop_id: int):
    """The workshop's tables with their board and, per table, `seated` (participants),
    `cards` (live ones) and `votes` (on live cards and groups): one query, however many tables
    and cards. Subqueries rather than joins, which would multiply the rows."""
    seated = (
        Participant.objects.filter(table=OuterRef("pk"))
        .order_by()
        .values("table")
        .annotate(n=Count("pk"))
        .values("n")
    )
    live_votes = Vote.objects.filter(
        Q(card__isnull=False, card__deleted_at__isnull=True)
        | Q(group__isnull=False, group__deleted_at__isnull=True)
    )
    return (
        Table.objects.filter(workshop_id=workshop_id)
        .select_related("board")
        .annotate(
            seated=Coalesce(Subquery(seated, output_field=IntegerField()), Value(0)),
            cards=_count(
                Card.objects.filter(deleted_at__isnull=True, hidden_at__isnull=True), "board"
            ),
            votes=_count(live_votes, "board"),
        )
        .order_by("number")
    )


def table_counts(workshop_id: int) -> dict[int, dict]:
    """table number → {board, seated, cards, votes, phase, locked}: one query."""
    return {
        table.number: {
            "board": table.board_id,
            "seated": table.seated,
            "cards": table.cards,
            "votes": table.votes,
            "phase": table.board.phase,
            "locked": table.board.locked,
        }
        for table in tables_with_counts(workshop_id)
    }
