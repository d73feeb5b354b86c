"""Workshop pages: setting up, joining with a code, the facilitator's console."""

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backend.territories.models import Territory
from backend.workshops import results, services
from backend.workshops.forms import GuestForm, WorkshopForm
from backend.workshops.models import Participant, Workshop
from boards.models import Phase
from realtime.errors import Forbidden, Refused


@login_required
@require_http_methods(["GET", "POST"])
def workshop_create(request):
    if not services.can_facilitate(request.user):
        raise PermissionDenied(_("Les ateliers sont animés par la Ville."))
    form = WorkshopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                workshop = services.create_workshop(
                    actor=request.user,
                    territory=request.user.territory or Territory.objects.first(),
                    **form.cleaned_data,
                )
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            return redirect("workshops:console", workshop_id=workshop.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "workshops/form.html", {"form": form}, status=status)


def workshop_detail(request, workshop_id: int):
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    seat = None
    if request.user.is_authenticated:
        seat = workshop.participants.filter(user=request.user).select_related("table").first()
    context = {
        "workshop": workshop,
        "seat": seat,
        "facilitator": request.user.is_authenticated and request.user.pk == workshop.facilitator_id,
        "participants": workshop.participants.count(),
    }
    return render(request, "workshops/detail.html", context)


@require_http_methods(["GET", "POST"])
def join(request, code: str):
    try:
        workshop = services.open_workshop(code)
    except Refused as refused:
        return render(request, "workshops/closed.html", {"message": refused.message}, status=404)
    tables = list(workshop.tables.all())
    user = request.user
    if user.is_authenticated:
        seat = Participant.objects.filter(workshop=workshop, user=user).first()
        if seat is not None:
            return redirect(seat.table.board)
        if request.method == "POST" and not user.is_guest:
            table_number = request.POST.get("table") or None
            try:
                seat = services.join_as_member(
                    workshop=workshop,
                    user=user,
                    table_number=int(table_number) if table_number else None,
                )
            except (Refused, ValueError):
                raise Http404 from None
            return redirect(seat.table.board)
    form = GuestForm(request.POST or None, tables=tables)
    if request.method == "POST" and not user.is_authenticated and form.is_valid():
        try:
            guest, seat = services.join_as_guest(
                workshop=workshop,
                pseudonym=form.cleaned_data["pseudonym"],
                neighbourhood=form.cleaned_data["neighbourhood"],
                table_number=form.cleaned_data["table"],
            )
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            # The guest identity lives in this browser's session, and nowhere else.
            login(request, guest, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Bienvenue, %(name)s : vous êtes à la table %(n)s.")
                % {"name": guest.display_name, "n": seat.table.number},
            )
            return redirect(seat.table.board)
    status = 400 if request.method == "POST" else 200
    context = {"workshop": workshop, "form": form, "tables": tables}
    return render(request, "workshops/join.html", context, status=status)


def qr_code(request, workshop_id: int):
    """The join link as an SVG QR code, drawn here: no third-party service sees it."""
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    url = request.build_absolute_uri(workshop.join_url())
    svg = segno.make(url, error="m").svg_inline(scale=8, dark="#000", light="#fff")
    return HttpResponse(svg, content_type="image/svg+xml")


def _facilitated(request, workshop_id: int) -> Workshop:
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    if not request.user.is_authenticated or request.user.pk != workshop.facilitator_id:
        raise PermissionDenied(_("Seul l'animateur ou l'animatrice a accès à cette console."))
    return workshop


@login_required
def console(request, workshop_id: int):
    workshop = _facilitated(request, workshop_id)
    tables = workshop.tables.select_related("board").annotate(
        people=Count("participants", distinct=True),
        cards=Count("board__cards", distinct=True),
    )
    context = {
        "workshop": workshop,
        "tables": tables,
        "phases": Phase.choices,
        "phase": services.current_phase(workshop),
        "participants": workshop.participants.count(),
        "seats": workshop.participants.select_related("user", "table").order_by(
            "table__number", "user__display_name"
        ),
    }
    return render(request, "workshops/console.html", context)


@login_required
@require_POST
def set_phase(request, workshop_id: int):
    workshop = _facilitated(request, workshop_id)
    table = request.POST.get("table") or None
    try:
        services.set_phase(
            actor=request.user,
            workshop_id=workshop.pk,
            phase=request.POST.get("phase", ""),
            table_number=int(table) if table else None,
        )
    except Forbidden as refused:
        raise PermissionDenied(refused.message) from None
    except (Refused, ValueError) as refused:
        messages.error(request, getattr(refused, "message", _("Table inconnue.")))
    return redirect("workshops:console", workshop_id=workshop.pk)


RESULT_PHASES = {Phase.RESULTS, Phase.CLOSED}


def _results_visible(request, workshop: Workshop) -> bool:
    facilitator = request.user.is_authenticated and request.user.pk == workshop.facilitator_id
    return facilitator or services.current_phase(workshop) in RESULT_PHASES


def results_page(request, workshop_id: int):
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    if not _results_visible(request, workshop):
        raise PermissionDenied(_("Les résultats s'affichent à la phase « Résultats »."))
    ranked = results.proposals(workshop)
    context = {
        "workshop": workshop,
        "top": ranked[:20],
        "tables": results.by_table(ranked),
        "counts": results.counts(workshop),
    }
    return render(request, "workshops/results.html", context)


def results_export(request, workshop_id: int, fmt: str):
    if fmt not in ("csv", "md"):
        raise Http404
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    if not _results_visible(request, workshop):
        raise PermissionDenied(_("Les résultats s'affichent à la phase « Résultats »."))
    if fmt == "csv":
        response = HttpResponse(results.as_csv(workshop), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            results.as_markdown(workshop), content_type="text/markdown; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="atelier-{workshop.pk}.{fmt}"'
    return response


def screen(request, workshop_id: int):
    """The projector: the code and QR code to join, live counts, then the ranked proposals."""
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    phase = services.current_phase(workshop)
    context = {
        "workshop": workshop,
        "phase": phase,
        "counts": results.counts(workshop),
        "top": results.proposals(workshop)[:10] if phase in RESULT_PHASES else [],
    }
    return render(request, "workshops/screen.html", context)


def screen_data(request, workshop_id: int):
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    return JsonResponse({"phase": services.current_phase(workshop), **results.counts(workshop)})


@login_required
@require_POST
def lock_table(request, workshop_id: int):
    workshop = _facilitated(request, workshop_id)
    try:
        services.lock_table(
            actor=request.user,
            workshop_id=workshop.pk,
            table_number=int(request.POST.get("table", "")),
            locked=request.POST.get("locked") != "0",
        )
    except (Refused, ValueError) as refused:
        messages.error(request, getattr(refused, "message", _("Table inconnue.")))
    return redirect("workshops:console", workshop_id=workshop.pk)


@login_required
@require_POST
def move_participant(request, workshop_id: int):
    workshop = _facilitated(request, workshop_id)
    try:
        services.move_participant(
            actor=request.user,
            workshop_id=workshop.pk,
            user_id=int(request.POST.get("participant", "")),
            table_number=int(request.POST.get("table", "")),
        )
    except (Refused, ValueError) as refused:
        messages.error(request, getattr(refused, "message", _("Participant ou table inconnus.")))
    return redirect("workshops:console", workshop_id=workshop.pk)
