"""What comes out of a workshop: proposals ranked per table and for the whole room, and the
synthesis the town pastes into its report."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from backend.workshops.models import Workshop
from boards.models import Card


@dataclass
class Proposal:
    table: int
    text: str
    votes: int
    author: str
    # What the proposal is: a card, or a group of cards (what its outcome is keyed on).
    card: int | None = None
    group: int | None = None


def proposals(workshop: Workshop) -> list[Proposal]:
    """Every live card of the workshop's tables, most voted first (one query)."""
    cards = (
        Card.objects.filter(board__table__workshop=workshop, deleted_at__isnull=True)
        .select_related("author", "board__table")
        .annotate(n_votes=Count("votes"))
        .order_by("-n_votes", "created_at", "id")
    )
    return [
        Proposal(
            table=card.board.table.number,
            text=card.text,
            votes=card.n_votes,
            author=card.author.public_name,
            card=card.pk,
        )
        for card in cards
    ]


def by_table(ranked: list[Proposal]) -> dict[int, list[Proposal]]:
    tables: dict[int, list[Proposal]] = {}
    for proposal in ranked:
        tables.setdefault(proposal.table, []).append(proposal)
    return dict(sorted(tables.items()))


def counts(workshop: Workshop) -> dict:
    participants = workshop.participants.aggregate(
        total=Count("id"), guests=Count("id", filter=Q(user__is_guest=True))
    )
    cards = Card.objects.filter(board__table__workshop=workshop, deleted_at__isnull=True)
    return {
        "participants": participants["total"],
        "guests": participants["guests"],
        "proposals": cards.count(),
        "tables": workshop.tables.count(),
    }


def as_csv(workshop: Workshop) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("rang"), _("table"), _("proposition"), _("votes"), _("auteur")])
    for rank, p in enumerate(proposals(workshop), start=1):
        writer.writerow([rank, p.table, p.text, p.votes, p.author])
    return out.getvalue()


def as_markdown(workshop: Workshop) -> str:
    ranked = proposals(workshop)
    figures = counts(workshop)
    lines = [
        f"# {workshop.title}",
        "",
        f"> {workshop.question}",
        "",
        _("%(participants)s participants, %(proposals)s propositions, %(tables)s tables.")
        % figures,
        "",
        "## " + _("Les propositions les plus soutenues"),
        "",
    ]
    lines += [
        f"{n}. {p.text} — {p.votes} vote(s), table {p.table}"
        for n, p in enumerate(ranked[:20], start=1)
    ]
    for table, items in by_table(ranked).items():
        lines += ["", "## " + _("Table %(n)s") % {"n": table}, ""]
        lines += [f"- {p.text} ({p.votes})" for p in items]
    return "\n".join(lines) + "\n"
