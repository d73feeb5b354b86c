"""Moderation pages: the report form (any member), the queue and the journal (moderators)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backend.moderation import activity, rules, selectors, services
from backend.moderation.models import REPORT_TEXT_MAX, Action, Reason, TargetKind
from backend.projects.models import Project, Stage
from backend.territories.models import Theme
from boards.models import Phase
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
    """One moderation action, from the queue (a form per button; back to the queue) or from a
    line of the activity view (a script asking for JSON: the page stays where it is)."""
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if not request.user.is_authenticated:
        if wants_json:
            return JsonResponse({"error": _("Connectez-vous.")}, status=401)
        return redirect(f"{_login()}?next={request.path}")
    if not rules.is_territory_moderator(request.user):
        raise PermissionDenied
    if action not in ACTIONS:
        _not_found()
    try:
        ACTIONS[action](request.user, kind, target_id, request.POST)
    except Refused as refusal:
        if wants_json:
            return JsonResponse(
                {"error": refusal.message, "code": refusal.code}, status=refusal.http_status
            )
        if refusal.http_status == 403:
            raise PermissionDenied from refusal
        messages.error(request, refusal.message)
    else:
        done = _("C'est fait, et inscrit au journal.")
        if wants_json:
            return JsonResponse({"ok": True, "message": done})
        messages.success(request, done)
    return redirect("moderation:queue")


def activity_view(request):
    """The territory's life, live: the lines come through /ws/activity/."""
    if not _moderator(request):
        return redirect(f"{_login()}?next={request.path}")
    territory = request.user.territory_id
    context = {
        "kinds": list(activity.Kind.labels.items()),
        "themes": Theme.objects.order_by("name").values_list("pk", "name"),
        "projects": Project.objects.filter(territory_id=territory)
        .order_by("title")
        .values_list("pk", "title"),
        "labels": {
            "kinds": {kind: str(label) for kind, label in activity.Kind.labels.items()},
            "stages": {value: str(label) for value, label in Stage.choices},
            "phases": {value: str(label) for value, label in Phase.choices},
            "reasons": {value: str(label) for value, label in Reason.choices},
            "paused": _("En pause : %(n)s nouvelles lignes en attente."),
            "live": _("En direct."),
            "reconnecting": _("Connexion perdue : reconnexion…"),
            "refused": _("Accès refusé."),
            "act": _("Agir"),
            "reason": _("Motif (le membre le lira)"),
            "hide": _("Masquer"),
            "warn": _("Avertir"),
            "mute": _("Sourdine"),
            "mute_for": _("Durée de la sourdine"),
            "mute_hour": _("1 heure"),
            "mute_day": _("1 jour"),
            "mute_week": _("7 jours"),
            "done": _("C'est fait, et inscrit au journal."),
            "failed": _("L'action n'a pas abouti : réessayez."),
            "none": _("Aucune activité pour ces filtres."),
            "older_none": _("Rien de plus ancien."),
            "in": _("dans"),
        },
        "act_url": reverse("moderation:act", args=["ACTION", "KIND", 0]),
        "older_url": reverse("moderation:activity_older"),
    }
    return render(request, "moderation/activity.html", context)


def activity_older(request):
    """Older lines (JSON), before a seq, through the same filters as the page."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Connectez-vous.")}, status=401)
    if not rules.is_territory_moderator(request.user):
        return JsonResponse({"error": _("Réservé aux modérateurs du territoire.")}, status=403)
    try:
        before = int(request.GET.get("before", ""))
    except ValueError:
        return JsonResponse({"error": _("« before » doit être un nombre.")}, status=400)
    lines = activity.latest(
        request.user.territory_id, before=before, filters=activity.clean_filters(request.GET)
    )
    return JsonResponse({"lines": lines})


def _login() -> str:
    return reverse(settings.LOGIN_URL)
