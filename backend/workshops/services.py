"""Workshops: setting one up, joining it, running its phases. The boards of its tables are
written through boards.services, like any board."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from backend.moderation import activity
from backend.needs import rules as need_rules
from backend.needs import services as needs
from backend.projects import services as projects
from backend.workshops.models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Participant,
    ProposalOutcome,
    Table,
    Workshop,
)
from boards import services as boards
from boards.models import Board, Card, CardGroup, Phase
from boards.selectors import timer_data, timer_remaining
from realtime.errors import Conflict, Forbidden, Invalid, Locked, NotFound, Refused

MAX_TABLES = 60
PSEUDONYM_MAX = 40


def can_facilitate(user, project=None) -> bool:
    """Moderators and town agents, or a project's owner for their own project."""
    if user is None or not user.is_authenticated or getattr(user, "is_guest", False):
        return False
    return user.is_moderator or (project is not None and project.owner_id == user.pk)


def new_join_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Workshop.objects.filter(join_code=code).exists():
            return code


def normalise_code(code: str) -> str:
    """What people type (lower case, spaces, dashes) → the code as printed."""
    return (code or "").upper().replace(" ", "").replace("-", "")[:CODE_LENGTH]


@transaction.atomic
def create_workshop(
    *,
    actor,
    territory,
    title: str,
    starts_at,
    question: str,
    tables: int,
    place: str = "",
    project=None,
    themes=(),
    votes_per_participant: int = 3,
    hidden_until_reveal: bool = False,
    guests_allowed: bool = True,
    grouping_by_facilitator_only: bool = False,
) -> Workshop:
    if not can_facilitate(actor, project):
        raise Forbidden(
            _("Les ateliers sont animés par la Ville, ou par le porteur pour son projet.")
        )
    if not 1 <= int(tables) <= MAX_TABLES:
        raise Invalid(_("De 1 à %(n)s tables.") % {"n": MAX_TABLES})
    title = (title or "").strip()
    question = (question or "").strip()
    if not title or len(title) > 120:
        raise Invalid(_("Le titre doit compter de 1 à 120 caractères."))
    if not question or len(question) > 300:
        raise Invalid(_("La question doit compter de 1 à 300 caractères."))
    if not 0 <= int(votes_per_participant) <= 20:
        raise Invalid(_("De 0 à 20 votes par participant."))
    workshop = Workshop.objects.create(
        territory=territory,
        project=project,
        title=title,
        starts_at=starts_at,
        place=(place or "").strip()[:120],
        question=question,
        votes_per_participant=votes_per_participant,
        hidden_until_reveal=hidden_until_reveal,
        guests_allowed=guests_allowed,
        grouping_by_facilitator_only=bool(grouping_by_facilitator_only),
        join_code=new_join_code(),
        facilitator=actor,
    )
    workshop.themes.set(themes)
    for number in range(1, int(tables) + 1):
        board = boards.create_board(
            actor=actor,
            title=_("%(title)s · table %(n)s") % {"title": title, "n": number},
            project=project,
            votes_per_person=votes_per_participant,
            columns=[_("Idées")],
            grouping_by_team_only=bool(grouping_by_facilitator_only),
        )
        boards.update_board(
            actor=actor,
            board_id=board.pk,
            phase=Phase.WELCOME,
            cards_hidden=hidden_until_reveal,
        )
        Table.objects.create(workshop=workshop, number=number, board=board)
    activity.record(
        territory_id=workshop.territory_id,
        kind=activity.Kind.WORKSHOP,
        actor=actor,
        excerpt=workshop.title,
        url=workshop.get_absolute_url(),
        project=project,
        themes=[theme.pk for theme in workshop.themes.all()],
        detail=Phase.WELCOME,
    )
    return workshop


def open_workshop(code: str) -> Workshop:
    """The workshop this code opens, while it is open."""
    workshop = Workshop.objects.filter(
        join_code=normalise_code(code), status=Workshop.Status.OPEN
    ).first()
    if workshop is None:
        raise NotFound(_("Aucun atelier ouvert avec ce code."))
    return workshop


def _seat(workshop: Workshop, table_number: int | None) -> Table:
    tables = workshop.tables.annotate(n=Count("participants")).order_by("n", "number")
    if table_number:
        chosen = tables.filter(number=table_number).first()
        if chosen is None:
            raise Invalid(_("Cette table n'existe pas."))
        return chosen
    return tables.first()  # the emptiest: tables fill evenly


@transaction.atomic
def join_as_guest(*, workshop: Workshop, pseudonym: str, neighbourhood=None, table_number=None):
    """A guest: a pseudonym for this browser session only (the caller signs the session in)."""
    if not workshop.guests_allowed:
        raise Forbidden(_("Cet atelier demande un compte : connectez-vous pour participer."))
    pseudonym = " ".join((pseudonym or "").split())
    if not pseudonym or len(pseudonym) > PSEUDONYM_MAX:
        raise Invalid(_("Un pseudonyme de 1 à %(n)s caractères.") % {"n": PSEUDONYM_MAX})
    User = get_user_model()
    token = secrets.token_hex(8)
    guest = User.objects.create_user(
        username=f"invite-{token}",
        email=f"invite-{token}@invites.invalid",
        password=None,
        display_name=pseudonym,
        is_guest=True,
        territory=workshop.territory,
        neighbourhood=neighbourhood,
    )
    table = _seat(workshop, table_number)
    participant = Participant.objects.create(
        workshop=workshop, user=guest, table=table, neighbourhood=neighbourhood
    )
    return guest, participant


def join_as_member(*, workshop: Workshop, user, table_number=None) -> Participant:
    existing = Participant.objects.filter(workshop=workshop, user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Participant.objects.create(
                workshop=workshop, user=user, table=_seat(workshop, table_number)
            )
    except IntegrityError:
        raise Conflict() from None


@transaction.atomic
def set_phase(*, actor, workshop_id: int, phase: str, table_number: int | None = None) -> int:
    """The facilitator moves every table (or one) to `phase`; each board tells its sockets."""
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound()
    if actor is None or actor.pk != workshop.facilitator_id:
        raise Forbidden(_("Seul l'animateur ou l'animatrice change les phases."))
    if phase not in Phase.values:
        raise Invalid(_("Phase inconnue."))
    tables = workshop.tables.select_related("board")
    if table_number is not None:
        tables = tables.filter(number=table_number)
    count = 0
    for table in tables:
        boards.update_board(actor=actor, board_id=table.board_id, phase=phase)
        count += 1
    if table_number is None:
        closed = phase == Phase.CLOSED
        workshop.status = Workshop.Status.CLOSED if closed else Workshop.Status.OPEN
        workshop.save(update_fields=["status"])
        activity.record(
            territory_id=workshop.territory_id,
            kind=activity.Kind.WORKSHOP,
            actor=actor,
            excerpt=workshop.title,
            url=workshop.get_absolute_url(),
            project=workshop.project,
            themes=list(workshop.themes.values_list("pk", flat=True)),
            detail=phase,
        )
    return count


def current_phase(workshop: Workshop) -> str:
    first = workshop.tables.select_related("board").first()
    return first.board.phase if first else Phase.WELCOME


def _facilitated(actor, workshop_id: int) -> Workshop:
    workshop = Workshop.objects.filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound()
    if actor is None or actor.pk != workshop.facilitator_id:
        raise Forbidden(_("Seul l'animateur ou l'animatrice gère les tables."))
    return workshop


def lock_table(*, actor, workshop_id: int, table_number: int, locked: bool = True) -> None:
    """Freeze one table (or free it again): its board refuses every participant's write."""
    workshop = _facilitated(actor, workshop_id)
    table = workshop.tables.filter(number=table_number).first()
    if table is None:
        raise Invalid(_("Cette table n'existe pas."))
    boards.update_board(actor=actor, board_id=table.board_id, locked=locked)


def _timed_tables(actor, workshop_id: int, table_number: int | None):
    workshop = _facilitated(actor, workshop_id)
    if workshop.status == Workshop.Status.CLOSED:
        raise Locked(_("Cet atelier est clos : plus aucune modification n'est possible."))
    tables = workshop.tables.order_by("number")
    if table_number is not None:
        tables = tables.filter(number=table_number)
        if not tables.exists():
            raise Invalid(_("Cette table n'existe pas."))
    return list(tables.values_list("board_id", flat=True))


@transaction.atomic
def start_timer(*, actor, workshop_id: int, seconds: int, table_number: int | None = None) -> int:
    """The facilitator starts a countdown on every table (or one); each board tells its
    sockets (`board.timer`). Returns how many tables."""
    board_ids = _timed_tables(actor, workshop_id, table_number)
    for board_id in board_ids:
        boards.start_timer(actor=actor, board_id=board_id, seconds=seconds)
    return len(board_ids)


@transaction.atomic
def stop_timer(*, actor, workshop_id: int, table_number: int | None = None) -> int:
    """Stop the countdown wherever one is set (a table without one is left alone)."""
    board_ids = _timed_tables(actor, workshop_id, table_number)
    running = Board.objects.filter(pk__in=board_ids, timer_ends_at__isnull=False)
    stopped = list(running.values_list("pk", flat=True))
    for board_id in stopped:
        boards.stop_timer(actor=actor, board_id=board_id)
    return len(stopped)


def current_timer(workshop: Workshop, now) -> dict:
    """The countdown of the workshop's first table, as the projector shows it."""
    first = workshop.tables.select_related("board").first()
    board = first.board if first else None
    if board is None or board.timer_ends_at is None:
        return {"ends_at": None, "seconds": 0, "remaining": None}
    return {
        **timer_data(board),
        "remaining": timer_remaining(board, now),
    }


def reveal_cards(*, actor, workshop_id: int, table_number: int | None = None) -> int:
    """Show every participant the cards of the others, on every table (or one) still hidden."""
    workshop = _facilitated(actor, workshop_id)
    tables = workshop.tables.filter(board__cards_hidden=True)
    if table_number is not None:
        tables = tables.filter(number=table_number)
    board_ids = list(tables.values_list("board_id", flat=True))
    for board_id in board_ids:
        boards.update_board(actor=actor, board_id=board_id, cards_hidden=False)
    return len(board_ids)


def move_participant(*, actor, workshop_id: int, user_id: int, table_number: int) -> Participant:
    """Seat a participant at another table; their cards stay where they wrote them."""
    workshop = _facilitated(actor, workshop_id)
    seat = workshop.participants.filter(user_id=user_id).first()
    table = workshop.tables.filter(number=table_number).first()
    if seat is None or table is None:
        raise Invalid(_("Participant ou table inconnus."))
    seat.table = table
    seat.save(update_fields=["table"])
    return seat


# What comes out: a proposal becomes a draft project or a need of the town ------------------

TITLE_MAX = 120  # a project's or a need's title
NEED_DESCRIPTION_MAX = 5000
PROJECT_DESCRIPTION_MAX = 20000


@dataclass
class Proposal:
    """A proposal as the outcome services see it: its cards (the first one leads) and a title."""

    title: str
    cards: list[Card]
    card_id: int | None = None
    group_id: int | None = None


@dataclass
class Outcome:
    outcome: ProposalOutcome
    invited: list = field(default_factory=list)  # members invited into the project's team
    skipped: list[str] = field(default_factory=list)  # names of guests who cannot be invited


def can_turn_into_need(user) -> bool:
    """Needs are the town's: only its moderators and agents publish them."""
    return need_rules.can_publish_needs(user)


def short_title(text: str, *, max_length: int = TITLE_MAX) -> str:
    """A title from a proposal's text: its first line, cut at a word and marked « … »."""
    text = " ".join((text or "").split())
    if len(text) <= max_length:
        return text
    cut = text[: max_length - 1]
    if " " in cut[max_length // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-—") + "…"


def _proposal(workshop: Workshop, *, card_id: int | None, group_id: int | None) -> Proposal:
    """The proposal named by a card id (or, with card groups, a group id) in this workshop."""
    if (card_id is None) == (group_id is None):
        raise Invalid(_("Choisissez une proposition."))
    live = Card.objects.filter(
        board__table__workshop=workshop, deleted_at__isnull=True, hidden_at__isnull=True
    ).select_related("author", "board__table")
    if group_id is not None:
        group = CardGroup.objects.filter(
            pk=group_id, board__table__workshop=workshop, deleted_at__isnull=True
        ).first()
        if group is None:
            raise NotFound(_("Cette proposition n'existe pas dans cet atelier."))
        cards = list(live.filter(group=group).order_by("position", "id"))
        if not cards:
            raise Invalid(_("Ce groupe ne contient aucune carte."))
        title = short_title(group.title or cards[0].text)
        return Proposal(title=title, cards=cards, group_id=group.pk)
    card = live.filter(pk=card_id).first()
    if card is None:
        raise NotFound(_("Cette proposition n'existe pas dans cet atelier."))
    return Proposal(title=short_title(card.text), cards=[card], card_id=card.pk)


def _markdown_list(proposal: Proposal, *, max_length: int) -> str:
    items = []
    for card in proposal.cards:
        item = "- " + " ".join(card.text.split())
        if len("\n".join([*items, item])) > max_length:
            break
        items.append(item)
    return "\n".join(items)


def _intro(workshop: Workshop, proposal: Proposal) -> str:
    tables = sorted({card.board.table.number for card in proposal.cards})
    return _("Issu de l'atelier « %(title)s » du %(date)s (table %(tables)s) :") % {
        "title": workshop.title,
        "date": formats.date_format(timezone.localtime(workshop.starts_at), "DATE_FORMAT"),
        "tables": ", ".join(str(n) for n in tables),
    }


def _start(actor, workshop_id: int, card_id, group_id) -> tuple[Workshop, Proposal]:
    # The workshop row locked: two outcomes of one proposal at once queue up here.
    workshop = Workshop.objects.select_for_update().filter(pk=workshop_id).first()
    if workshop is None:
        raise NotFound()
    if actor is None or actor.pk != workshop.facilitator_id:
        raise Forbidden(_("Seul l'animateur ou l'animatrice donne une suite aux propositions."))
    proposal = _proposal(workshop, card_id=card_id, group_id=group_id)
    if _outcome_of(workshop, proposal).exists():
        raise Conflict(_("Cette proposition a déjà une suite : un projet ou un besoin."))
    return workshop, proposal


def _outcome_of(workshop: Workshop, proposal: Proposal):
    if proposal.group_id is not None:
        return ProposalOutcome.objects.filter(group_id=proposal.group_id)
    return ProposalOutcome.objects.filter(card_id=proposal.card_id)


def _record(actor, workshop: Workshop, proposal: Proposal, **made) -> ProposalOutcome:
    try:
        with transaction.atomic():
            return ProposalOutcome.objects.create(
                workshop=workshop,
                card_id=proposal.card_id,
                group_id=proposal.group_id,
                created_by=actor,
                **made,
            )
    except IntegrityError:
        # The outer transaction rolls back with it: the project or need is not kept either.
        raise Conflict(_("Cette proposition a déjà une suite : un projet ou un besoin.")) from None


@transaction.atomic
def proposal_to_project(
    *, actor, workshop_id: int, card_id: int | None = None, group_id: int | None = None
) -> Outcome:
    """The facilitator turns a proposal into a draft project (stage « idée ») that they own.

    Its title comes from the proposal, its description lists the proposal's cards, its themes
    and territory are the workshop's. The proposal's authors who are members are invited into
    its team; guests without an account cannot be, and are named in `skipped`. A proposal
    gets one outcome at most (`Conflict`); nothing is written when a step is refused.
    """
    workshop, proposal = _start(actor, workshop_id, card_id, group_id)
    intro = _intro(workshop, proposal)
    project = projects.create_project(
        actor=actor,
        territory=workshop.territory,
        themes=list(workshop.themes.all()),
        title=proposal.title,
        summary=short_title(proposal.cards[0].text, max_length=projects.SUMMARY_MAX),
        description=intro
        + "\n\n"
        + _markdown_list(proposal, max_length=PROJECT_DESCRIPTION_MAX - len(intro) - 2),
    )
    outcome = Outcome(outcome=_record(actor, workshop, proposal, project=project))
    seen = {actor.pk}
    for card in proposal.cards:
        author = card.author
        if author is None or author.pk in seen:
            continue
        seen.add(author.pk)
        if author.is_guest:
            outcome.skipped.append(author.public_name)
            continue
        try:
            projects.invite(actor=actor, project_id=project.pk, identifier=author.username)
        except Refused:
            outcome.skipped.append(author.public_name)  # an account closed since, say
        else:
            outcome.invited.append(author)
    return outcome


@transaction.atomic
def proposal_to_need(
    *, actor, workshop_id: int, card_id: int | None = None, group_id: int | None = None
) -> Outcome:
    """The facilitator, when they are of the town, publishes a proposal as a need of the
    territory. A project's owner running their own workshop may not (`Forbidden`)."""
    workshop, proposal = _start(actor, workshop_id, card_id, group_id)
    if not can_turn_into_need(actor):
        raise Forbidden(
            _(
                "Seuls les agents et modérateurs de la Ville publient les besoins : "
                "cette proposition peut devenir un projet."
            )
        )
    intro = _intro(workshop, proposal)
    need = needs.publish_need(
        actor=actor,
        territory=workshop.territory,
        title=proposal.title,
        description=intro
        + "\n\n"
        + _markdown_list(proposal, max_length=NEED_DESCRIPTION_MAX - len(intro) - 2),
        themes=list(workshop.themes.all()),
    )
    return Outcome(outcome=_record(actor, workshop, proposal, need=need))
