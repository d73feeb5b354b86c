"""Meetings by theme: the only writer of meetings, registrations and invitations.

The territory's moderators create, edit, cancel a meeting and invite the members interested
in its themes: each is told live once, however many times the moderators invite (an
Invitation row remembers who was told). Members register while seats are left: the meeting
row is locked while seats are counted, so the last seat cannot be taken twice. The people
registered are told when the date or the place changes, and when the meeting is cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from backend.meetings import rules
from backend.meetings.models import (
    DESCRIPTION_MAX,
    PLACE_MAX,
    TITLE_MAX,
    Invitation,
    Meeting,
    Registration,
)
from backend.territories.models import Theme
from backend.validation import clean_text
from notifications.models import Kind
from notifications.services import notify
from realtime.errors import Conflict, Forbidden, Invalid, NotFound

CAPACITY_MAX = 10_000


# Checks ------------------------------------------------------------------------------------


def _clean(
    *, title, description, starts_at, ends_at, place, themes, capacity, current=None
) -> dict:
    """What a moderator typed, checked; `current` is the meeting being edited, if any."""
    fields = {
        "title": clean_text(title, max_length=TITLE_MAX, what=_("Le titre")),
        "description": clean_text(
            description, max_length=DESCRIPTION_MAX, what=_("La description"), required=False
        ),
        "place": clean_text(place, max_length=PLACE_MAX, what=_("Le lieu")),
        "capacity": _clean_capacity(capacity),
    }
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        raise Invalid(_("Indiquez la date et l'heure de la rencontre."))
    starts_at = _to_the_minute(starts_at)
    unchanged = current is not None and current.starts_at == starts_at
    if starts_at <= timezone.now() and not unchanged:
        raise Invalid(_("La date de la rencontre est déjà passée."))
    if ends_at is not None and (not isinstance(ends_at, datetime) or timezone.is_naive(ends_at)):
        raise Invalid(_("L'heure de fin n'est pas valide."))
    if ends_at is not None:
        ends_at = _to_the_minute(ends_at)
    if ends_at is not None and ends_at <= starts_at:
        raise Invalid(_("La rencontre doit finir après avoir commencé."))
    fields.update(starts_at=starts_at, ends_at=ends_at)
    return {**fields, "themes": _clean_themes(themes)}


def _to_the_minute(moment: datetime) -> datetime:
    """Meetings are set by the minute (as the form sends them): seconds would make an
    unchanged date look changed."""
    return moment.replace(second=0, microsecond=0)


def _clean_capacity(capacity) -> int:
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise Invalid(_("Le nombre de places doit être un nombre entier."))
    if capacity < 1:
        raise Invalid(_("Il faut au moins une place."))
    if capacity > CAPACITY_MAX:
        raise Invalid(_("%(n)s places au plus.") % {"n": CAPACITY_MAX})
    return capacity


def _clean_themes(themes) -> list[Theme]:
    ids = set()
    for theme in themes or ():
        pk = getattr(theme, "pk", theme)
        if isinstance(pk, bool) or not isinstance(pk, int):
            raise Invalid(_("Thématique inconnue."))
        ids.add(pk)
    if not ids:
        raise Invalid(_("Choisissez au moins une thématique."))
    found = list(Theme.objects.filter(pk__in=ids))
    if len(found) != len(ids):
        raise Invalid(_("Thématique inconnue."))
    return found


def _managed(actor, meeting_id) -> Meeting:
    """The meeting, locked for this transaction, if `actor` moderates its territory."""
    if not rules.can_create_meeting(actor):
        raise Forbidden(_("Réservé aux modérateurs du territoire."))
    meeting = _locked(meeting_id)
    if not rules.can_manage_meeting(actor, meeting):
        raise Forbidden(_("Cette rencontre relève d'un autre territoire."))
    return meeting


def _locked(meeting_id) -> Meeting:
    if isinstance(meeting_id, bool) or not isinstance(meeting_id, int):
        raise NotFound()
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("Cette rencontre n'existe pas."))
    return meeting


def _still_open(meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.CANCELLED:
        raise Conflict(_("Cette rencontre est annulée."))
    if meeting.starts_at <= timezone.now():
        raise Conflict(_("Cette rencontre est passée."))


def when(meeting: Meeting) -> str:
    """« 12 décembre 2026 à 18:30 », in the current language and time zone."""
    local = timezone.localtime(meeting.starts_at)
    return _("%(date)s à %(time)s") % {
        "date": formats.date_format(local, "DATE_FORMAT"),
        "time": formats.time_format(local, "TIME_FORMAT"),
    }


# Moderators --------------------------------------------------------------------------------


@transaction.atomic
def create_meeting(
    *,
    actor,
    title: str,
    starts_at: datetime,
    place: str,
    themes: Iterable,
    capacity: int,
    description: str = "",
    ends_at: datetime | None = None,
    invite: bool = False,
) -> Meeting:
    """A meeting in the moderator's territory; with `invite`, the interested are told now."""
    if not rules.can_create_meeting(actor):
        raise Forbidden(_("Réservé aux modérateurs du territoire."))
    fields = _clean(
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        themes=themes,
        capacity=capacity,
    )
    chosen = fields.pop("themes")
    meeting = Meeting.objects.create(territory_id=actor.territory_id, created_by=actor, **fields)
    meeting.themes.set(chosen)
    if invite:
        _invite(actor, meeting)
    return meeting


@transaction.atomic
def update_meeting(
    *,
    actor,
    meeting_id: int,
    title: str,
    starts_at: datetime,
    place: str,
    themes: Iterable,
    capacity: int,
    description: str = "",
    ends_at: datetime | None = None,
) -> Meeting:
    """Change a scheduled meeting; the registered are told if its date or place changes."""
    meeting = _managed(actor, meeting_id)
    if meeting.status == Meeting.Status.CANCELLED:
        raise Conflict(_("Cette rencontre est annulée : elle ne se modifie plus."))
    fields = _clean(
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        themes=themes,
        capacity=capacity,
        current=meeting,
    )
    registered = meeting.registrations.count()
    if fields["capacity"] < registered:
        raise Invalid(
            _("%(n)s personnes sont déjà inscrites : gardez au moins autant de places.")
            % {"n": registered}
        )
    moved = (fields["starts_at"], fields["place"]) != (meeting.starts_at, meeting.place)
    chosen = fields.pop("themes")
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting.save()
    meeting.themes.set(chosen)
    if moved:
        notify(
            meeting.registrations.values_list("person_id", flat=True),
            kind=Kind.MEETING_CHANGE,
            title=_("La rencontre « %(title)s » change : %(when)s, %(place)s")
            % {"title": meeting.title, "when": when(meeting), "place": meeting.place},
            url=meeting.get_absolute_url(),
            actor=actor,
        )
    return meeting


@transaction.atomic
def cancel_meeting(*, actor, meeting_id: int) -> Meeting:
    """Cancel a meeting: registrations close and the registered are told."""
    meeting = _managed(actor, meeting_id)
    if meeting.status == Meeting.Status.CANCELLED:
        raise Conflict(_("Cette rencontre est déjà annulée."))
    meeting.status = Meeting.Status.CANCELLED
    meeting.save(update_fields=["status", "updated_at"])
    notify(
        meeting.registrations.values_list("person_id", flat=True),
        kind=Kind.MEETING_CHANGE,
        title=_("La rencontre « %(title)s » du %(when)s est annulée")
        % {"title": meeting.title, "when": when(meeting)},
        url=meeting.get_absolute_url(),
        actor=actor,
    )
    return meeting


def interested_members(meeting: Meeting) -> list[int]:
    """Members of the meeting's territory with one of its themes, not yet invited nor
    registered."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            is_guest=False,
            territory_id=meeting.territory_id,
            themes__in=meeting.themes.all(),
        )
        .exclude(pk__in=meeting.invitations.values("person"))
        .exclude(pk__in=meeting.registrations.values("person"))
        .values_list("pk", flat=True)
        .distinct()
    )


@transaction.atomic
def invite_members(*, actor, meeting_id: int) -> int:
    """Tell, live, the interested members who were not told yet; how many were told."""
    meeting = _managed(actor, meeting_id)
    return _invite(actor, meeting)


def _invite(actor, meeting: Meeting) -> int:
    _still_open(meeting)
    themes = ", ".join(theme.name for theme in meeting.themes.all())
    told = notify(
        interested_members(meeting),
        kind=Kind.MEETING_INVITATION,
        title=_("Vous êtes invité·e à la rencontre « %(title)s », le %(when)s")
        % {"title": meeting.title, "when": when(meeting)},
        body=_("%(place)s · %(themes)s") % {"place": meeting.place, "themes": themes},
        url=meeting.get_absolute_url(),
        actor=actor,
    )
    # Who turned this kind off was not told: a later invitation may reach them.
    Invitation.objects.bulk_create(
        [Invitation(meeting=meeting, person_id=n.user_id, invited_by=actor) for n in told]
    )
    return len(told)


# Members -----------------------------------------------------------------------------------


@transaction.atomic
def register(*, actor, meeting_id: int) -> Registration:
    """Take a seat. Refused when cancelled, past, full, or already registered."""
    meeting = _locked(meeting_id)  # seats are counted under the lock
    if not rules.can_register(actor, meeting):
        raise Forbidden(_("Les rencontres sont ouvertes aux membres du territoire."))
    _still_open(meeting)
    mine = meeting.registrations.filter(person=actor)
    if mine.exists():
        raise Conflict(_("Vous êtes déjà inscrit·e à cette rencontre."))
    if meeting.registrations.count() >= meeting.capacity:
        raise Conflict(_("Cette rencontre est complète."))
    try:
        with transaction.atomic():
            return Registration.objects.create(meeting=meeting, person=actor)
    except IntegrityError:
        raise Conflict(_("Vous êtes déjà inscrit·e à cette rencontre.")) from None


@transaction.atomic
def unregister(*, actor, meeting_id: int) -> None:
    """Give one's seat back, until the meeting starts."""
    meeting = _locked(meeting_id)
    if not rules.can_see_meeting(actor, meeting):
        raise Forbidden(_("Les rencontres sont ouvertes aux membres du territoire."))
    if meeting.starts_at <= timezone.now():
        raise Conflict(_("Cette rencontre est passée."))
    deleted, _rows = meeting.registrations.filter(person=actor).delete()
    if not deleted:
        raise Conflict(_("Vous n'êtes pas inscrit·e à cette rencontre."))
