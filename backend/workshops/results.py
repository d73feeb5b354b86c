"""What comes out of a workshop: proposals ranked per table and for the whole room, and the
synthesis the town pastes into its report."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from backend.workshops.models import Workshop
from boards.models import Card, CardGroup


@dataclass
class Proposal:
    table: int
    text: str
    votes: int
    author: str
    # What the proposal is: a card, or a group of cards (what its outcome is keyed on).
    card: int | None = None
    group: int | None = None
    # A group: the texts of its cards, in their board order (`text` is the group's title).
    cards: list[str] = field(default_factory=list)


def _author(card: Card) -> str:
    return card.author.public_name if card.author is not None else _("ancien membre")


def proposals(workshop: Workshop) -> list[Proposal]:
    """Every proposal of the workshop's tables, most voted first (two queries).

    A card a moderator hid is no proposal, nor part of one (results, exports, the projector).
    A proposal is a card outside any group, or a group of cards (one proposal, its title,
    its cards' texts and authors). A group's votes are the votes for the group, plus any its
    cards got before they were grouped: support given earlier is not lost.
    """
    cards = (
        Card.objects.filter(
            board__table__workshop=workshop, deleted_at__isnull=True, hidden_at__isnull=True
        )
        .select_related("author", "board__table")
        .annotate(n_votes=Count("votes"))
        .order_by("position", "id")
    )
    groups = {
        group.pk: group
        for group in CardGroup.objects.filter(
            board__table__workshop=workshop, deleted_at__isnull=True
        )
        .select_related("board__table")
        .annotate(n_votes=Count("votes"))
    }
    ranked: list[tuple[tuple, Proposal]] = []
    members: dict[int, list[Card]] = {}
    for card in cards:
        if card.group_id in groups:
            members.setdefault(card.group_id, []).append(card)
            continue
        proposal = Proposal(
            table=card.board.table.number,
            text=card.text,
            votes=card.n_votes,
            author=_author(card),
            card=card.pk,
        )
        ranked.append(((-proposal.votes, card.created_at, 0, card.pk), proposal))
    for group_id, grouped in members.items():
        group = groups[group_id]
        proposal = Proposal(
            table=group.board.table.number,
            text=group.title,
            votes=group.n_votes + sum(card.n_votes for card in grouped),
            author=", ".join(dict.fromkeys(_author(card) for card in grouped)),
            group=group.pk,
            cards=[card.text for card in grouped],
        )
        ranked.append(((-proposal.votes, group.created_at, 1, group.pk), proposal))
    ranked.sort(key=lambda item: item[0])
    return [proposal for _key, proposal in ranked]


def by_table(ranked: list[Proposal]) -> dict[int, list[Proposal]]:
    tables: dict[int, list[Proposal]] = {}
    for proposal in ranked:
        tables.setdefault(proposal.table, []).append(proposal)
    return dict(sorted(tables.items()))


def counts(workshop: Workshop) -> dict:
    participants = workshop.participants.aggregate(
        total=Count("id"), guests=Count("id", filter=Q(user__is_guest=True))
    )
    cards = Card.objects.filter(
        board__table__workshop=workshop, deleted_at__isnull=True, hidden_at__isnull=True
    )
    # A group of cards is one proposal.
    figures = cards.aggregate(
        alone=Count("id", filter=Q(group__isnull=True) | Q(group__deleted_at__isnull=False)),
        groups=Count("group", distinct=True, filter=Q(group__deleted_at__isnull=True)),
    )
    return {
        "participants": participants["total"],
        "guests": participants["guests"],
        "proposals": figures["alone"] + figures["groups"],
        "tables": workshop.tables.count(),
    }


def as_csv(workshop: Workshop) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("rang"), _("table"), _("proposition"), _("votes"), _("auteur"), _("cartes regroupées")]
    )
    for rank, p in enumerate(proposals(workshop), start=1):
        writer.writerow([rank, p.table, p.text, p.votes, p.author, " / ".join(p.cards)])
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
    for n, p in enumerate(ranked[:20], start=1):
        lines.append(f"{n}. {p.text} — {p.votes} vote(s), table {p.table}")
        lines += [f"   - {text}" for text in p.cards]
    for table, items in by_table(ranked).items():
        lines += ["", "## " + _("Table %(n)s") % {"n": table}, ""]
        for p in items:
            lines.append(f"- {p.text} ({p.votes})")
            lines += [f"  - {text}" for text in p.cards]
    return "\n".join(lines) + "\n"
