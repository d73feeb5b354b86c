"""The town's needs: the list, a need's page with the projects answering it, and the forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.needs import rules, services
from backend.needs.forms import AnswerForm, NeedForm
from backend.needs.models import Need
from backend.projects.models import Project
from backend.territories.models import Territory, Theme
from realtime.errors import Forbidden, Refused


def need_list(request):
    needs = Need.objects.select_related("neighbourhood").prefetch_related("themes")
    status = request.GET.get("statut") or ""
    if status in Need.Status.values:
        needs = needs.filter(status=status)
    theme = request.GET.get("thematique") or ""
    if theme:
        needs = needs.filter(themes__slug=theme)
    context = {
        "needs": needs,
        "statuses": Need.Status.choices,
        "status": status,
        "themes": Theme.objects.all(),
        "theme": theme,
        "can_publish": rules.can_publish_needs(request.user),
    }
    return render(request, "needs/list.html", context)


def _owned_projects(user):
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(owner=user).order_by("title")


def need_detail(request, slug: str):
    need = get_object_or_404(
        Need.objects.select_related(
            "neighbourhood", "created_by", "workshop_outcome__workshop"
        ).prefetch_related("themes"),
        slug=slug,
    )
    answers = need.answers.select_related("project", "declared_by")
    answering = {answer.project_id for answer in answers}
    projects = [p for p in _owned_projects(request.user) if p.pk not in answering]
    context = {
        "need": need,
        "answers": answers,
        "answer_form": AnswerForm(projects=projects) if projects else None,
        "my_answers": [a for a in answers if a.project.owner_id == request.user.pk],
        "can_publish": rules.can_publish_needs(request.user),
    }
    return render(request, "needs/detail.html", context)


def _need_form_view(request, need: Need | None):
    if not rules.can_publish_needs(request.user):
        raise PermissionDenied(
            _("Seuls les agents et modérateurs de la Ville publient les besoins.")
        )
    initial = {}
    if need is not None:
        initial = {
            "title": need.title,
            "description": need.description,
            "themes": need.themes.all(),
            "neighbourhood": need.neighbourhood,
            "status": need.status,
        }
    form = NeedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "title": data["title"],
            "description": data["description"],
            "themes": data["themes"],
            "neighbourhood": data["neighbourhood"],
        }
        try:
            if need is None:
                territory = request.user.territory or Territory.objects.first()
                need = services.publish_need(actor=request.user, territory=territory, **fields)
                messages.success(request, _("Le besoin est publié."))
            else:
                status = data["status"] or need.status
                need = services.update_need(
                    actor=request.user, need_id=need.pk, status=status, **fields
                )
                messages.success(request, _("Le besoin est mis à jour."))
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            return redirect(need)
    status = 400 if request.method == "POST" else 200
    return render(request, "needs/form.html", {"form": form, "need": need}, status=status)


@login_required
def need_create(request):
    return _need_form_view(request, None)


@login_required
def need_edit(request, slug: str):
    return _need_form_view(request, get_object_or_404(Need, slug=slug))


@login_required
@require_POST
def declare(request, slug: str):
    need = get_object_or_404(Need, slug=slug)
    form = AnswerForm(request.POST, projects=_owned_projects(request.user))
    if not form.is_valid():
        messages.error(request, _("Choisissez un de vos projets."))
        return redirect(need)
    try:
        services.declare_answer(
            actor=request.user, need_id=need.pk, project_id=form.cleaned_data["project"]
        )
    except Forbidden as refused:
        raise PermissionDenied(refused.message) from None
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Votre projet figure parmi les réponses à ce besoin."))
    return redirect(need)


@login_required
@require_POST
def withdraw(request, slug: str, project_id: int):
    need = get_object_or_404(Need, slug=slug)
    try:
        services.withdraw_answer(actor=request.user, need_id=need.pk, project_id=project_id)
    except Forbidden as refused:
        raise PermissionDenied(refused.message) from None
    except Refused:
        raise Http404 from None
    messages.success(request, _("Votre projet ne figure plus parmi les réponses."))
    return redirect(need)
