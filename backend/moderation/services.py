"""Reports and moderation actions: the only writer of reports, mutes and the audit log.

Every action checks that its actor moderates the target's territory, makes its change (through
the app that owns the content: boards.services, chat.services), resolves the target's open
reports, tells the member why, and writes exactly one AuditEntry — all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.calls.models import Call
from backend.moderation import activity, rules
from backend.moderation.models import (
    EXCERPT_MAX,
    REPORT_TEXT_MAX,
    Action,
    AuditEntry,
    Mute,
    Reason,
    Report,
    TargetKind,
)
from backend.projects.models import Project
from boards import rules as board_rules
from boards import services as board_services
from boards.models import Card
from chat import rules as chat_rules
from chat import services as chat_services
from chat.models import Message
from notifications.models import Kind
from notifications.services import notify
from realtime import publish
from realtime.errors import Conflict, Forbidden, Invalid, NotFound

MUTE_MAX = timedelta(days=90)


@dataclass(frozen=True)
class Target:
    kind: str
    id: int
    territory_id: int | None
    author: object | None  # the member who answers for it
    excerpt: str
    url: str
    hidden: bool = False


def find_target(*, kind: str, target_id, viewer, moderating: bool = False) -> Target:
    """The target as `viewer` may see it, or NotFound. A moderator finds hidden content too."""
    if kind not in TargetKind.values:
        raise Invalid(_("Type de contenu inconnu."))
    if isinstance(target_id, bool) or not isinstance(target_id, int):
        raise NotFound()
    found = _TARGETS[kind](target_id, viewer, moderating)
    if found is None:
        raise NotFound(_("Ce contenu n'existe pas ou vous n'y avez pas accès."))
    return found


def _card(pk, viewer, moderating):
    card = (
        Card.objects.select_related("author", "board__project", "board__created_by")
        .filter(pk=pk, deleted_at__isnull=True)
        .first()
    )
    if card is None or not board_rules.can_read_board(viewer, card.board):
        return None
    if card.hidden_at is not None and not moderating:
        return None
    board = card.board
    if board.project_id:
        territory = board.project.territory_id
    else:
        table = getattr(board, "table", None)  # a workshop's table
        if table is not None:
            territory = table.workshop.territory_id
        else:
            territory = board.created_by.territory_id if board.created_by_id else None
    return Target(
        TargetKind.CARD,
        card.pk,
        territory,
        card.author,
        card.text[:EXCERPT_MAX],
        f"{board.get_absolute_url()}#card-{card.pk}",
        card.hidden_at is not None,
    )


def _message(pk, viewer, moderating):
    message = (
        Message.objects.select_related("author", "room__project")
        .filter(pk=pk, deleted_at__isnull=True)
        .first()
    )
    if message is None:
        return None
    if not (moderating or chat_rules.can_read_room(viewer, message.room)):
        return None
    if message.hidden_at is not None and not moderating:
        return None
    room = message.room
    return Target(
        TargetKind.MESSAGE,
        message.pk,
        room.project.territory_id,
        message.author,
        message.text[:EXCERPT_MAX],
        f"{room.get_absolute_url()}#message-{message.pk}",
        message.hidden_at is not None,
    )


def _project(pk, viewer, moderating):
    project = Project.objects.filter(pk=pk).first()
    if project is None:
        return None
    return Target(
        TargetKind.PROJECT,
        project.pk,
        project.territory_id,
        None,
        project.title[:EXCERPT_MAX],
        project.get_absolute_url(),
    )


def _profile(pk, viewer, moderating):
    person = get_user_model().objects.filter(pk=pk, is_active=True, is_guest=False).first()
    if person is None:
        return None
    return Target(
        TargetKind.PROFILE,
        person.pk,
        person.territory_id,
        person,
        person.public_name[:EXCERPT_MAX],
        person.get_absolute_url(),
    )


def _call(pk, viewer, moderating):
    call = Call.objects.select_related("project", "created_by").filter(pk=pk).first()
    if call is None:
        return None
    return Target(
        TargetKind.CALL,
        call.pk,
        call.project.territory_id,
        call.created_by,
        call.title[:EXCERPT_MAX],
        call.get_absolute_url(),
    )


_TARGETS = {
    TargetKind.CARD: _card,
    TargetKind.MESSAGE: _message,
    TargetKind.PROJECT: _project,
    TargetKind.PROFILE: _profile,
    TargetKind.CALL: _call,
}


# Reports -----------------------------------------------------------------------------------


@transaction.atomic
def report_content(*, actor, kind: str, target_id: int, reason: str, text: str = "") -> Report:
    """A member reports something they can see; once per target while their report is open."""
    if not rules.can_report(actor):
        raise Forbidden(_("Connectez-vous pour signaler un contenu."))
    if reason not in Reason.values:
        raise Invalid(_("Choisissez un motif."))
    text = (text or "").strip()
    if len(text) > REPORT_TEXT_MAX:
        raise Invalid(
            _("Les précisions dépassent %(max)s caractères (%(n)s).")
            % {"max": REPORT_TEXT_MAX, "n": len(text)}
        )
    target = find_target(kind=kind, target_id=target_id, viewer=actor)
    open_reports = Report.objects.filter(
        reporter=actor, target_kind=kind, target_id=target.id, resolved_at__isnull=True
    )
    if open_reports.exists():
        raise Conflict(_("Vous avez déjà signalé ce contenu : la modération va l'examiner."))
    report = Report.objects.create(
        reporter=actor,
        territory_id=target.territory_id,
        target_kind=kind,
        target_id=target.id,
        excerpt=target.excerpt,
        url=target.url,
        reason=reason,
        text=text,
    )
    activity.record(
        territory_id=target.territory_id,
        kind=activity.Kind.REPORT,
        actor=actor,
        excerpt=target.excerpt,
        url=target.url,
        themes=[],
        target=(kind, target.id),
        detail=reason,
    )
    return report


# Actions -----------------------------------------------------------------------------------


def _moderated_target(actor, kind: str, target_id) -> Target:
    if not rules.is_territory_moderator(actor):
        raise Forbidden(_("Réservé aux modérateurs du territoire."))
    target = find_target(kind=kind, target_id=target_id, viewer=actor, moderating=True)
    if not rules.can_moderate(actor, target.territory_id):
        raise Forbidden(_("Ce contenu relève d'un autre territoire."))
    return target


def _clean_reason(reason) -> str:
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise Invalid(_("Dites pourquoi : le membre le lira."))
    if len(reason) > REPORT_TEXT_MAX:
        raise Invalid(
            _("Le motif dépasse %(max)s caractères (%(n)s).")
            % {"max": REPORT_TEXT_MAX, "n": len(reason)}
        )
    return reason


def _audit(actor, target: Target, action: str, reason: str, **details) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor,
        territory_id=target.territory_id,
        action=action,
        target_kind=target.kind,
        target_id=target.id,
        reason=reason,
        details=details,
    )


def _resolve(actor, target: Target) -> int:
    return Report.objects.filter(
        target_kind=target.kind, target_id=target.id, resolved_at__isnull=True
    ).update(resolved_at=timezone.now(), resolved_by=actor)


def _tell(person, *, title: str, reason: str, url: str = "", actor=None) -> None:
    if person is not None:
        notify([person], kind=Kind.MODERATION, title=title, body=reason[:500], url=url, actor=actor)


@transaction.atomic
def hide_content(*, actor, kind: str, target_id: int, reason: str) -> AuditEntry:
    """Hide a card or a chat message: gone live from every board or chat, sent to no one."""
    reason = _clean_reason(reason)
    target = _moderated_target(actor, kind, target_id)
    if target.hidden:
        raise Conflict(_("Ce contenu est déjà masqué."))
    if kind == TargetKind.CARD:
        card = Card.objects.only("board_id").get(pk=target.id)
        board_services.hide_card(actor=actor, board_id=card.board_id, card_id=target.id)
    elif kind == TargetKind.MESSAGE:
        message = Message.objects.only("room_id").get(pk=target.id)
        chat_services.hide_message(actor=actor, room_id=message.room_id, message_id=target.id)
    else:
        raise Invalid(_("Seules les cartes et les messages se masquent."))
    resolved = _resolve(actor, target)
    _tell(
        target.author,
        title=_("La modération a masqué votre contenu"),
        reason=reason,
        url=target.url,
    )
    return _audit(actor, target, Action.HIDE, reason, excerpt=target.excerpt, resolved=resolved)


@transaction.atomic
def restore_content(*, actor, kind: str, target_id: int, reason: str) -> AuditEntry:
    """Bring back a hidden card or message, live."""
    reason = _clean_reason(reason)
    target = _moderated_target(actor, kind, target_id)
    if not target.hidden:
        raise Conflict(_("Ce contenu n'est pas masqué."))
    if kind == TargetKind.CARD:
        card = Card.objects.only("board_id").get(pk=target.id)
        board_services.unhide_card(actor=actor, board_id=card.board_id, card_id=target.id)
    else:
        message = Message.objects.only("room_id").get(pk=target.id)
        chat_services.unhide_message(actor=actor, room_id=message.room_id, message_id=target.id)
    _tell(
        target.author,
        title=_("La modération a rétabli votre contenu"),
        reason=reason,
        url=target.url,
    )
    return _audit(actor, target, Action.RESTORE, reason)


@transaction.atomic
def dismiss_reports(*, actor, kind: str, target_id: int, reason: str = "") -> AuditEntry:
    """« Classer sans suite »: the target's open reports are closed, nothing else changes."""
    target = _moderated_target(actor, kind, target_id)
    resolved = _resolve(actor, target)
    if not resolved:
        raise Conflict(_("Aucun signalement ouvert sur ce contenu."))
    return _audit(
        actor, target, Action.DISMISS, (reason or "").strip()[:REPORT_TEXT_MAX], resolved=resolved
    )


def _member(actor, user_id) -> Target:
    target = _moderated_target(actor, TargetKind.PROFILE, user_id)
    if target.id == actor.pk:
        raise Conflict(_("Vous ne pouvez pas vous sanctionner vous-même."))
    return target


@transaction.atomic
def warn_member(*, actor, user_id: int, reason: str) -> AuditEntry:
    """Warn a member: they are told why."""
    reason = _clean_reason(reason)
    target = _member(actor, user_id)
    _resolve(actor, target)
    _tell(target.author, title=_("Un avertissement de la modération"), reason=reason)
    return _audit(actor, target, Action.WARN, reason)


@transaction.atomic
def mute_member(*, actor, user_id: int, minutes: int, reason: str) -> AuditEntry:
    """Mute a member for `minutes`: their board and chat ops are refused with `muted`."""
    reason = _clean_reason(reason)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
        raise Invalid(_("Une sourdine dure au moins une minute."))
    if timedelta(minutes=minutes) > MUTE_MAX:
        raise Invalid(_("Une sourdine dure au plus 90 jours."))
    target = _member(actor, user_id)
    until = timezone.now() + timedelta(minutes=minutes)
    person = target.author
    Mute.objects.create(user=person, until=until, by=actor, reason=reason)
    person.muted_until = until
    person.save(update_fields=["muted_until"])
    _resolve(actor, target)
    local = timezone.localtime(until)
    _tell(
        person,
        title=_("Vous êtes en sourdine jusqu'au %(date)s à %(time)s")
        % {"date": local.strftime("%d/%m/%Y"), "time": local.strftime("%H:%M")},
        reason=reason,
    )
    return _audit(actor, target, Action.MUTE, reason, until=until.isoformat(), minutes=minutes)


@transaction.atomic
def ban_member(*, actor, user_id: int, reason: str) -> AuditEntry:
    """Ban a member: their account is closed, their sessions end, and once this commits every
    process closes their open sockets (4401). Until then, an op they send is refused: the
    services read `is_active` afresh."""
    reason = _clean_reason(reason)
    target = _member(actor, user_id)
    person = target.author
    person.is_active = False
    person.save(update_fields=["is_active"])
    ended = _end_sessions(person.pk)
    publish.close_person_sockets(person.pk)
    _resolve(actor, target)
    return _audit(actor, target, Action.BAN, reason, sessions=ended)


def _end_sessions(user_id: int) -> int:
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)
