"""Moderation pages: the report form (any member), the queue and the journal (moderators)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backend.moderation import rules, selectors, services
from backend.moderation.models import REPORT_TEXT_MAX, Action, Reason, TargetKind
from realtime.errors import Refused

PER_PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def report(request, kind: str, target_id: int):
    """« Signaler »: a reason and a few words, no script needed."""
    if kind not in TargetKind.values:
        _not_found()
    try:
        target = services.find_target(kind=kind, target_id=target_id, viewer=request.user)
    except Refused:
        _not_found()
    error, status = None, 200
    if request.method == "POST":
        try:
            services.report_content(
                actor=request.user,
                kind=kind,
                target_id=target_id,
                reason=request.POST.get("reason", ""),
                text=request.POST.get("text", ""),
            )
        except Refused as refusal:
            error, status = refusal.message, refusal.http_status
        else:
            messages.success(request, _("Merci : la modération va examiner votre signalement."))
            return redirect(target.url)
    context = {
        "target": target,
        "kind_label": TargetKind(kind).label,
        "reasons": Reason.choices,
        "text_max": REPORT_TEXT_MAX,
        "error": error,
        "posted": request.POST,
    }
    return render(request, "moderation/report.html", context, status=status)


def _not_found():
    raise Http404


def _moderator(request):
    if not request.user.is_authenticated:
        return False
    if not rules.is_territory_moderator(request.user):
        raise PermissionDenied
    return True


def queue(request):
    """Open reports of the moderator's territory, one row per target, newest first."""
    if not _moderator(request):
        return redirect(f"{_login()}?next={request.path}")
    groups = selectors.open_report_groups(request.user.territory_id)
    return render(request, "moderation/queue.html", {"groups": groups, "actions": Action})


def journal(request):
    if not _moderator(request):
        return redirect(f"{_login()}?next={request.path}")
    entries = selectors.audit_entries(request.user.territory_id)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "moderation/journal.html", {"page": page})


ACTIONS = {
    Action.HIDE: lambda user, kind, pk, post: services.hide_content(
        actor=user, kind=kind, target_id=pk, reason=post.get("reason", "")
    ),
    Action.RESTORE: lambda user, kind, pk, post: services.restore_content(
        actor=user, kind=kind, target_id=pk, reason=post.get("reason", "")
    ),
    Action.DISMISS: lambda user, kind, pk, post: services.dismiss_reports(
        actor=user, kind=kind, target_id=pk, reason=post.get("reason", "")
    ),
    Action.WARN: lambda user, kind, pk, post: services.warn_member(
        actor=user, user_id=pk, reason=post.get("reason", "")
    ),
    Action.MUTE: lambda user, kind, pk, post: services.mute_member(
        actor=user, user_id=pk, minutes=_int(post.get("minutes")), reason=post.get("reason", "")
    ),
    Action.BAN: lambda user, kind, pk, post: services.ban_member(
        actor=user, user_id=pk, reason=post.get("reason", "")
    ),
}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_POST
def act(request, action: str, kind: str, target_id: int):
    """One moderation action from the queue (a form per button); back to the queue."""
    if not _moderator(request):
        return redirect(f"{_login()}?next={request.path}")
    if action not in ACTIONS:
        _not_found()
    try:
        ACTIONS[action](request.user, kind, target_id, request.POST)
    except Refused as refusal:
        if refusal.http_status == 403:
            raise PermissionDenied from refusal
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("C'est fait, et inscrit au journal."))
    return redirect("moderation:queue")


def _login() -> str:
    return reverse(settings.LOGIN_URL)
