"""Workshops: setting one up, joining it, running its phases. The boards of its tables are
written through boards.services, like any board."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from backend.workshops.models import CODE_ALPHABET, CODE_LENGTH, Participant, Table, Workshop
from boards import services as boards
from boards.models import Phase
from realtime.errors import Conflict, Forbidden, Invalid, NotFound

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
        )
        boards.update_board(actor=actor, board_id=board.pk, phase=Phase.WELCOME)
        Table.objects.create(workshop=workshop, number=number, board=board)
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
