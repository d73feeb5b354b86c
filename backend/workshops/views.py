"""Workshop pages: setting up, joining with a code, the facilitator's console."""

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from backend.territories.models import Territory
from backend.workshops import results, selectors, services
from backend.workshops.forms import (
    TIMER_CHOICES,
    GuestForm,
    ProposalForm,
    TimerForm,
    WorkshopForm,
)
from backend.workshops.models import Participant, Workshop
from boards.models import Phase
from boards.selectors import iso
from realtime.errors import Forbidden, NotFound, Refused


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
    tables = list(selectors.tables_with_counts(workshop.pk))
    context = {
        "workshop": workshop,
        "tables": tables,
        "ideas": sum(table.cards for table in tables),
        "hidden_tables": sum(table.board.cards_hidden for table in tables),
        "top": selectors.with_outcomes(workshop, results.proposals(workshop)[:10]),
        "can_make_needs": services.can_turn_into_need(request.user),
        "labels": console_labels(),
        "phases": Phase.choices,
        "phase": services.current_phase(workshop),
        "timer": services.current_timer(workshop, timezone.now()),
        "timer_choices": TIMER_CHOICES,
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
    ranked = selectors.with_outcomes(workshop, results.proposals(workshop))
    facilitator = request.user.is_authenticated and request.user.pk == workshop.facilitator_id
    context = {
        "workshop": workshop,
        "top": ranked[:20],
        "tables": results.by_table(ranked),
        "counts": results.counts(workshop),
        "facilitator": facilitator,
        "can_make_needs": facilitator and services.can_turn_into_need(request.user),
    }
    return render(request, "workshops/results.html", context)


def _give_follow_up(request, workshop_id: int, service, success):
    """Turn the posted proposal into something with `service`; back to where the facilitator
    clicked. Someone else's workshop: 403; a proposal of another workshop: 404."""
    workshop = _facilitated(request, workshop_id)
    form = ProposalForm(request.POST)
    if not form.is_valid():
        raise Http404
    back = form.cleaned_data["back"] or "results"
    try:
        made = service(
            actor=request.user,
            workshop_id=workshop.pk,
            card_id=form.cleaned_data["card"],
            group_id=form.cleaned_data["group"],
        )
    except NotFound:
        raise Http404 from None
    except Refused as refused:  # already followed up, not one of the town's agents…
        messages.error(request, refused.message)
    else:
        messages.success(request, success(made))
        if made.skipped:
            messages.warning(
                request,
                _(
                    "Invités sans compte, non invités dans l'équipe : %(names)s. "
                    "Ils pourront la rejoindre une fois leur compte créé."
                )
                % {"names": ", ".join(made.skipped)},
            )
    return redirect(f"workshops:{back}", workshop_id=workshop.pk)


@login_required
@require_POST
def proposal_to_project(request, workshop_id: int):
    def success(made):
        project = made.outcome.project
        invited = ngettext(
            "%(n)s auteur invité dans l'équipe.",
            "%(n)s auteurs invités dans l'équipe.",
            len(made.invited),
        ) % {"n": len(made.invited)}
        return format_html(
            _('La proposition est devenue le projet <a href="{url}">{title}</a> (étape « idée »).')
            + " {invited}",
            url=project.get_absolute_url(),
            title=project.title,
            invited=invited,
        )

    return _give_follow_up(request, workshop_id, services.proposal_to_project, success)


@login_required
@require_POST
def proposal_to_need(request, workshop_id: int):
    def success(made):
        need = made.outcome.need
        return format_html(
            _('La proposition est devenue le besoin <a href="{url}">{title}</a>.'),
            url=need.get_absolute_url(),
            title=need.title,
        )

    return _give_follow_up(request, workshop_id, services.proposal_to_need, success)


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
    timer = services.current_timer(workshop, timezone.now())
    context = {
        "workshop": workshop,
        "phase": phase,
        "counts": results.counts(workshop),
        "top": results.proposals(workshop)[:10] if phase in RESULT_PHASES else [],
        "timer": timer,
        "clock": clock(timer["remaining"]),
    }
    return render(request, "workshops/screen.html", context)


def clock(remaining: int | None) -> str:
    """Seconds as the projector shows them: 4:05."""
    if remaining is None:
        return ""
    return f"{remaining // 60}:{remaining % 60:02d}"


def screen_data(request, workshop_id: int):
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    now = timezone.now()
    return JsonResponse(
        {
            "phase": services.current_phase(workshop),
            **results.counts(workshop),
            # The projector counts down from `remaining`, from when it got this answer.
            "timer": services.current_timer(workshop, now),
            "now": iso(now),
        }
    )


@login_required
@require_POST
def start_timer(request, workshop_id: int):
    workshop = _facilitated(request, workshop_id)
    form = TimerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Durée du minuteur inconnue."))
        return redirect("workshops:console", workshop_id=workshop.pk)
    try:
        services.start_timer(
            actor=request.user,
            workshop_id=workshop.pk,
            seconds=form.cleaned_data["seconds"],
            table_number=form.cleaned_data["table"],
        )
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect("workshops:console", workshop_id=workshop.pk)


@login_required
@require_POST
def stop_timer(request, workshop_id: int):
    workshop = _facilitated(request, workshop_id)
    try:
        services.stop_timer(actor=request.user, workshop_id=workshop.pk)
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect("workshops:console", workshop_id=workshop.pk)


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
def reveal_cards(request, workshop_id: int):
    workshop = _facilitated(request, workshop_id)
    table = request.POST.get("table") or None
    try:
        revealed = services.reveal_cards(
            actor=request.user,
            workshop_id=workshop.pk,
            table_number=int(table) if table else None,
        )
    except (Refused, ValueError) as refused:
        messages.error(request, getattr(refused, "message", _("Table inconnue.")))
    else:
        messages.success(
            request,
            ngettext(
                "Cartes révélées sur %(n)s table.", "Cartes révélées sur %(n)s tables.", revealed
            )
            % {"n": revealed},
        )
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


def console_labels() -> dict:
    """The words console.js shows, translated here so that Django's i18n covers them."""
    return {
        "status": {
            "connecting": _("Connexion…"),
            "connected": _("En direct : les chiffres des tables se mettent à jour seuls."),
            "reconnecting": _("Reconnexion…"),
            "refused": _("Chiffres en direct indisponibles : rechargez la page."),
        },
        # The forms for 0, 1 and more, as the language's plural rule gives them; console.js
        # puts the number in place of %(n)s and joins the two halves with `summary`.
        "people": {
            str(n): ngettext("%(n)s participant connecté", "%(n)s participants connectés", n)
            for n in (0, 1, 2)
        },
        "ideas": {str(n): ngettext("%(n)s idée", "%(n)s idées", n) for n in (0, 1, 2)},
        "summary": _("%(people)s, %(ideas)s"),
    }
