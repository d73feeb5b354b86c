from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from notifications import services
from notifications.models import Channel, Kind
from realtime.errors import Invalid

PER_PAGE = 30


@login_required
def notification_list(request):
    page = Paginator(request.user.notifications.all(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def mark_read(request):
    ids = request.POST.getlist("id")
    try:
        chosen = [int(pk) for pk in ids] if ids else None
    except ValueError:
        chosen = []
    services.mark_read(actor=request.user, notification_ids=chosen)
    return redirect(request.POST.get("next") or "notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    chosen = {p.kind: p.channel for p in request.user.notification_preferences.all()}
    if request.method == "POST":
        choices = {kind: request.POST.get(kind, "") for kind in Kind.values}
        try:
            services.set_preferences(actor=request.user, choices=choices)
        except Invalid as refused:
            messages.error(request, refused.message)
            return redirect("notifications:preferences")
        messages.success(request, _("Vos réglages de notifications sont enregistrés."))
        return redirect("notifications:preferences")
    rows = [
        {"kind": value, "label": label, "channel": chosen.get(value, Channel.LIVE)}
        for value, label in Kind.choices
    ]
    return render(
        request, "notifications/preferences.html", {"rows": rows, "channels": Channel.choices}
    )
