"""The partner directory, partner pages, and support requests between teams and partners."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.partners import rules, selectors, services
from backend.partners.forms import AnswerForm, SupportRequestForm
from backend.partners.models import Partner, SupportRequest, SupportStep
from backend.projects.models import Project
from backend.territories.models import Theme
from realtime.errors import Forbidden, Refused


def directory(request):
    step = request.GET.get("etape") or None
    if step not in SupportStep.values:
        step = None
    theme = request.GET.get("thematique") or None
    context = {
        "groups": selectors.directory(step=step, theme=theme),
        "steps": SupportStep.choices,
        "themes": Theme.objects.filter(partners__isnull=False).distinct(),
        "step": step,
        "theme": theme,
    }
    return render(request, "partners/directory.html", context)


def _team_projects(user):
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(memberships__user=user).order_by("title")


def detail(request, slug: str, form: SupportRequestForm | None = None, status: int = 200):
    partner = selectors.partner_page(slug)
    if partner is None:
        raise Http404
    projects = list(_team_projects(request.user))
    manager = rules.manages(request.user, partner)
    if form is None and projects:
        form = SupportRequestForm(projects=projects, offers=partner.offers.all())
    history = selectors.requests_of_partner(partner)
    if not manager:  # a team sees its own requests to this partner, not the others'
        history = history.filter(project__in=projects)
    context = {
        "partner": partner,
        "form": form,
        "manager": manager,
        "history": history,
    }
    return render(request, "partners/detail.html", context, status=status)


@login_required
@require_POST
def ask(request, slug: str):
    partner = get_object_or_404(Partner, slug=slug)
    projects = list(_team_projects(request.user))
    form = SupportRequestForm(request.POST, projects=projects, offers=partner.offers.all())
    if not form.is_valid():
        return detail(request, slug, form=form, status=400)
    try:
        services.request_support(
            actor=request.user,
            project_id=form.cleaned_data["project"],
            partner_id=partner.pk,
            step=form.cleaned_data["step"],
            message=form.cleaned_data["message"],
        )
    except Refused as refused:
        form.add_error(None, refused.message)
        return detail(request, slug, form=form, status=refused.http_status)
    messages.success(request, _("Votre demande est partie : le partenaire vous répondra ici."))
    return redirect(partner.get_absolute_url() + "#demandes")


@login_required
@require_POST
def answer(request, request_id: int):
    support = get_object_or_404(SupportRequest.objects.select_related("partner"), pk=request_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Réponse incomplète."))
        return redirect(support.partner.get_absolute_url() + "#demandes")
    try:
        services.answer_request(
            actor=request.user,
            request_id=support.pk,
            accept=form.cleaned_data["decision"] == "accept",
            answer=form.cleaned_data["answer"],
        )
    except Forbidden as refused:
        raise PermissionDenied(refused.message) from None
    except Refused as refused:
        messages.error(request, refused.message)
        return redirect(support.partner.get_absolute_url() + "#demandes")
    messages.success(request, _("Réponse envoyée à l'équipe du projet."))
    return redirect(support.partner.get_absolute_url() + "#demandes")


@login_required
def my_requests(request):
    """Both sides' history: requests of my projects, and requests to the partners I run."""
    sent = SupportRequest.objects.filter(project__memberships__user=request.user)
    received = SupportRequest.objects.filter(partner__managers=request.user)
    related = ("project", "partner", "requested_by", "answered_by")
    context = {
        "sent": sent.select_related(*related).order_by("-created_at", "-id"),
        "received": received.select_related(*related).order_by("-created_at", "-id"),
    }
    return render(request, "partners/requests.html", context)
