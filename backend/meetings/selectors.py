"""What the meeting pages read: upcoming meetings with their seats, and who registered."""

from __future__ import annotations

import csv
import io

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.meetings.models import Meeting, Registration

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _with_seats(meetings: QuerySet, viewer) -> QuerySet:
    mine = Registration.objects.filter(meeting=OuterRef("pk"), person_id=viewer.pk)
    return meetings.annotate(registered=Count("registrations", distinct=True), mine=Exists(mine))


def upcoming_meetings(*, viewer) -> QuerySet:
    """The scheduled meetings of the viewer's territory not over yet, soonest first, with their
    themes, the number registered and whether the viewer is (a constant number of queries)."""
    now = timezone.now()
    meetings = Meeting.objects.filter(
        Q(starts_at__gte=now) | Q(ends_at__gte=now),
        territory_id=viewer.territory_id,
        status=Meeting.Status.SCHEDULED,
    ).prefetch_related("themes")
    return _with_seats(meetings, viewer).order_by("starts_at", "id")


def meeting_page(*, meeting_id: int, viewer) -> Meeting | None:
    meetings = Meeting.objects.filter(pk=meeting_id).select_related("territory", "created_by")
    return _with_seats(meetings.prefetch_related("themes"), viewer).first()


def seats_left(meeting: Meeting) -> int:
    return max(meeting.capacity - meeting.registered, 0)


def registered_people(meeting: Meeting) -> QuerySet:
    return meeting.registrations.select_related("person").order_by("created_at", "id")


def _cell(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def registrations_csv(meeting: Meeting) -> str:
    """The public name and the date of registration of each person, first registered first.

    As the workshop results, no e-mail address: the export shows what the site shows.
    Cells a spreadsheet would run as a formula are quoted.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("nom"), _("inscrit·e le")])
    for registration in registered_people(meeting):
        registered_at = timezone.localtime(registration.created_at).strftime("%Y-%m-%d %H:%M")
        writer.writerow([_cell(registration.person.public_name), registered_at])
    return out.getvalue()
