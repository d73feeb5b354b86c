"""Meetings by theme (« rencontres »): the list, a meeting's page, registering, and the
moderators' forms and export. Each view parses, calls one service, answers."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backend.meetings import rules, selectors, services
from backend.meetings.forms import MeetingForm, NewMeetingForm, focus_first_error
from backend.meetings.models import Meeting
from realtime.errors import Forbidden, Refused


def _sign_in(request):
    return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")


def _visible(request, meeting_id: int) -> Meeting:
    """The meeting as the viewer may see it: a member of another territory finds nothing."""
    meeting = selectors.meeting_page(meeting_id=meeting_id, viewer=request.user)
    if meeting is None or not (
        rules.can_see_meeting(request.user, meeting)
        or rules.can_manage_meeting(request.user, meeting)
    ):
        raise Http404
    return meeting


def _managed(request, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404
    if not rules.can_manage_meeting(request.user, meeting):
        raise PermissionDenied(_("Réservé aux modérateurs du territoire."))
    return meeting


@require_GET
def meeting_list(request):
    if not request.user.is_authenticated:
        return _sign_in(request)
    context = {
        "meetings": selectors.upcoming_meetings(viewer=request.user),
        "can_create": rules.can_create_meeting(request.user),
    }
    return render(request, "meetings/list.html", context)


@require_GET
def meeting_detail(request, meeting_id: int):
    if not request.user.is_authenticated:
        return _sign_in(request)
    meeting = _visible(request, meeting_id)
    managing = rules.can_manage_meeting(request.user, meeting)
    now = timezone.now()
    context = {
        "meeting": meeting,
        "themes": list(meeting.themes.all()),
        "seats_left": selectors.seats_left(meeting),
        "past": meeting.starts_at <= now,
        "in_progress": meeting.starts_at <= now < (meeting.ends_at or meeting.starts_at),
        "can_register": rules.can_register(request.user, meeting),
        "managing": managing,
        "registrations": selectors.registered_people(meeting) if managing else [],
        "invited": meeting.invitations.count() if managing else 0,
    }
    return render(request, "meetings/detail.html", context)


def _form_page(request, form, meeting=None, status=200):
    context = {"form": form, "meeting": meeting}
    return render(request, "meetings/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def meeting_create(request):
    if not request.user.is_authenticated:
        return _sign_in(request)
    if not rules.can_create_meeting(request.user):
        raise PermissionDenied(_("Réservé aux modérateurs du territoire."))
    form = NewMeetingForm(request.POST or None)
    if request.method == "GET":
        return _form_page(request, form)
    if form.is_valid():
        try:
            meeting = services.create_meeting(actor=request.user, **form.cleaned_data)
        except Forbidden as refused:
            raise PermissionDenied(refused.message) from None
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("La rencontre est créée."))
            return redirect(meeting)
    focus_first_error(form)
    return _form_page(request, form, status=400)


@require_http_methods(["GET", "POST"])
def meeting_edit(request, meeting_id: int):
    if not request.user.is_authenticated:
        return _sign_in(request)
    meeting = _managed(request, meeting_id)
    initial = {
        "title": meeting.title,
        "description": meeting.description,
        "starts_at": timezone.localtime(meeting.starts_at),
        "ends_at": meeting.ends_at and timezone.localtime(meeting.ends_at),
        "place": meeting.place,
        "themes": list(meeting.themes.all()),
        "capacity": meeting.capacity,
    }
    form = MeetingForm(request.POST or None, initial=initial, past_start=meeting.starts_at)
    if request.method == "GET":
        return _form_page(request, form, meeting)
    if form.is_valid():
        try:
            services.update_meeting(actor=request.user, meeting_id=meeting.pk, **form.cleaned_data)
        except Forbidden as refused:
            raise PermissionDenied(refused.message) from None
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("La rencontre est modifiée."))
            return redirect(meeting)
    focus_first_error(form)
    return _form_page(request, form, meeting, status=400)


def _act(request, meeting_id: int, action, done: str):
    """A button on the meeting's page: the service's refusal becomes a message (403 stays)."""
    if not request.user.is_authenticated:
        return _sign_in(request)
    try:
        result = action(actor=request.user, meeting_id=meeting_id)
    except Forbidden as refused:
        raise PermissionDenied(refused.message) from None
    except Refused as refused:
        if refused.http_status == 404:
            raise Http404 from None
        messages.error(request, refused.message)
    else:
        messages.success(request, done(result) if callable(done) else done)
    return redirect("meetings:detail", meeting_id=meeting_id)


@require_POST
def cancel(request, meeting_id: int):
    return _act(
        request,
        meeting_id,
        services.cancel_meeting,
        _("La rencontre est annulée : les personnes inscrites sont prévenues."),
    )


@require_POST
def invite(request, meeting_id: int):
    def done(n: int) -> str:
        if not n:
            return _("Aucun nouveau membre à inviter.")
        return _("%(n)s membre(s) invité(s).") % {"n": n}

    return _act(request, meeting_id, services.invite_members, done)


@require_POST
def register(request, meeting_id: int):
    return _act(request, meeting_id, services.register, _("Vous êtes inscrit·e."))


@require_POST
def unregister(request, meeting_id: int):
    return _act(request, meeting_id, services.unregister, _("Votre inscription est annulée."))


@require_GET
def registrations_export(request, meeting_id: int):
    if not request.user.is_authenticated:
        return _sign_in(request)
    meeting = _managed(request, meeting_id)
    response = HttpResponse(
        selectors.registrations_csv(meeting), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="rencontre-{meeting.pk}-inscrits.csv"'
    response["Cache-Control"] = "private, no-store"  # personal data
    return response
