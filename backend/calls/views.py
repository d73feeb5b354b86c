"""Calls for skills: the list, a call's page, publishing, answering, deciding."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backend.calls import services
from backend.calls.forms import AnswerForm, CallFilters, CallForm
from backend.calls.models import Call, Response
from backend.projects.models import Project
from backend.projects.services import is_member
from realtime.errors import Forbidden, Refused

PER_PAGE = 20


def call_list(request):
    filters = CallFilters(request.GET or None)
    calls = (
        Call.objects.filter(status=Call.Status.OPEN)
        .select_related("project")
        .prefetch_related("skills")
    )
    if filters.is_valid():
        data = filters.cleaned_data
        if data["skill"]:
            calls = calls.filter(skills=data["skill"])
        if data["theme"]:
            calls = calls.filter(project__themes=data["theme"])
        if data["neighbourhood"]:
            calls = calls.filter(project__neighbourhood=data["neighbourhood"])
    page = Paginator(calls.distinct(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "calls/list.html", {"filters": filters, "page": page})


def call_detail(request, call_id: int, form=None, status: int = 200):
    call = get_object_or_404(
        Call.objects.select_related("project").prefetch_related("skills"), pk=call_id
    )
    team = is_member(request.user, call.project)
    mine = (
        call.responses.filter(person=request.user).order_by("-created_at")
        if request.user.is_authenticated
        else []
    )
    context = {
        "call": call,
        "team": team,
        "open": services.is_open(call),
        "responses": call.responses.select_related("person") if team else [],
        "mine": mine,
        "form": form or AnswerForm(),
        "statuses": Call.Status.choices,
    }
    return render(request, "calls/detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def call_create(request, slug: str):
    project = get_object_or_404(Project, slug=slug)
    if not is_member(request.user, project):
        raise PermissionDenied(_("Seule l'équipe du projet publie ses appels à compétences."))
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                call = services.publish_call(
                    actor=request.user, project_id=project.pk, **form.cleaned_data
                )
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request, _("L'appel est publié : les personnes concernées sont prévenues.")
            )
            return redirect(call)
    status = 400 if request.method == "POST" else 200
    return render(request, "calls/form.html", {"form": form, "project": project}, status=status)


@login_required
@require_POST
def answer(request, call_id: int):
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return call_detail(request, call_id, form=form, status=400)
    try:
        services.answer_call(
            actor=request.user, call_id=call_id, message=form.cleaned_data["message"]
        )
    except Refused as refused:
        form.add_error(None, refused.message)
        return call_detail(request, call_id, form=form, status=refused.http_status)
    messages.success(request, _("Votre réponse est partie : l'équipe vous dira sa décision."))
    return redirect("calls:detail", call_id=call_id)


@login_required
@require_POST
def decide(request, response_id: int):
    response = get_object_or_404(Response, pk=response_id)
    try:
        services.decide(
            actor=request.user,
            response_id=response.pk,
            accept=request.POST.get("decision") == "accept",
        )
    except Forbidden as refused:
        raise PermissionDenied(refused.message) from None
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect("calls:detail", call_id=response.call_id)


@login_required
@require_POST
def set_status(request, call_id: int):
    try:
        services.set_status(
            actor=request.user, call_id=call_id, status=request.POST.get("status", "")
        )
    except Forbidden as refused:
        raise PermissionDenied(refused.message) from None
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect("calls:detail", call_id=call_id)
