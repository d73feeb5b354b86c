"""Project pages: the list with its filters, a project's page, and the team's forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Prefetch, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from backend.calls.models import Call
from backend.needs.models import Answer
from backend.pages import cache as pages
from backend.partners.models import SupportRequest
from backend.projects import services
from backend.projects.forms import InviteForm, NewProjectForm, ProjectFilters, ProjectForm
from backend.projects.models import Invitation, Project, Stage
from backend.territories.models import Skill, Territory, Theme
from boards.selectors import readable_boards
from chat.selectors import project_chat_links
from realtime.errors import Forbidden, Refused
from realtime.models import Event

PER_PAGE = 24
ACTIVITY = {
    "board.created": gettext_lazy("a ouvert un tableau d'idées"),
    "board.updated": gettext_lazy("a réglé le tableau"),
    "card.created": gettext_lazy("a proposé une idée"),
    "card.updated": gettext_lazy("a modifié une idée"),
    "card.moved": gettext_lazy("a déplacé une idée"),
    "card.deleted": gettext_lazy("a retiré une idée"),
    "card.restored": gettext_lazy("a remis une idée"),
    "card.voted": gettext_lazy("a voté pour une idée"),
    "card.unvoted": gettext_lazy("a retiré un vote"),
    "column.created": gettext_lazy("a ajouté une colonne"),
    "column.updated": gettext_lazy("a renommé une colonne"),
    "column.deleted": gettext_lazy("a retiré une colonne"),
}
STAGE_ORDER = {value: index for index, value in enumerate(Stage.values)}


def project_list(request):
    filters = ProjectFilters(request.GET or None)
    projects = Project.objects.select_related("neighbourhood").prefetch_related("themes")
    sort = "recent"
    if filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            projects = projects.filter(title__icontains=data["q"])
        if data["theme"]:
            projects = projects.filter(themes=data["theme"])
        if data["stage"]:
            projects = projects.filter(stage=data["stage"])
        if data["neighbourhood"]:
            projects = projects.filter(neighbourhood=data["neighbourhood"])
        if data["need"]:
            projects = projects.filter(need_answers__need=data["need"])
        if data["skill"]:  # looking for this skill: an open call seeks it
            seeking = Call.objects.filter(status=Call.Status.OPEN, skills=data["skill"])
            projects = projects.filter(pk__in=seeking.values("project"))
        sort = data["sort"] or "recent"
    if sort == "followed":
        projects = projects.annotate(n_followers=Count("follows")).order_by(
            "-n_followers", "-created_at", "-id"
        )
    elif sort == "title":
        projects = projects.order_by("title", "id")
    elif sort == "stage":  # furthest along the support chain first
        chain = Case(
            *(When(stage=value, then=Value(index)) for value, index in STAGE_ORDER.items()),
            output_field=IntegerField(),
        )
        projects = projects.annotate(chain=chain).order_by("-chain", "-created_at", "-id")
    else:
        projects = projects.order_by("-created_at", "-id")
    # No DISTINCT: each filter matches a project at most once (one theme, one need: unique
    # pairs; the skill through a subquery). DISTINCT over every column cost the count and the
    # page a temporary B-tree each: 2.4 ms instead of 1.3 on 1,000 projects (SQLite).
    page = Paginator(projects, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode(), "stages": Stage}
    return render(request, "projects/list.html", context)


def project_detail(request, slug):
    # Every query below reads only the columns the page shows: a project page is rendered
    # ~50 times a second at most on 2 cores, and building each column of each query (and
    # each JSON value decoded) was a third of its time; SQL itself is 1-2 ms.
    project = get_object_or_404(
        Project.objects.select_related("neighbourhood", "workshop_outcome__workshop")
        .defer("territory_id", "created_at", "updated_at")
        .prefetch_related(
            Prefetch("themes", queryset=Theme.objects.only("name", "slug")),
            Prefetch(
                "need_answers",
                queryset=Answer.objects.select_related("need").only(
                    "project_id", "need__title", "need__slug"
                ),
            ),
        ),
        slug=slug,
    )
    pages.shows_project(request, project_id=project.pk)
    user = request.user
    boards = list(
        readable_boards(user)
        .filter(project=project)
        .select_related(None)
        .only("title", "locked", "project_id", "created_at")
    )
    team = list(
        project.memberships.select_related("user")
        .only(
            "project_id",
            "role",
            "user__username",
            "user__display_name",
            "user__is_active",
        )
        .order_by("role", "joined_at")
    )
    in_team = user.is_authenticated and any(m.user_id == user.pk for m in team)
    accompanied = (
        SupportRequest.objects.filter(project=project, status=SupportRequest.Status.ACCEPTED)
        .select_related("partner")
        .only("partner__name", "partner__slug")
    )
    # The activity lines need three columns; an event's data (a card's text, a board's
    # snapshot) is the large part of its row.
    events = Event.objects.filter(stream__key__in=[b.stream_key for b in boards]).order_by(
        "-created_at", "-id"
    )[:8]
    activity = [
        {
            "at": created_at,
            "who": (actor or {}).get("name") or _("quelqu'un"),
            "what": ACTIVITY.get(name, name),
        }
        for created_at, actor, name in events.values_list("created_at", "actor", "name")
    ]
    context = {
        "project": project,
        "boards": boards,
        "team": team,
        "in_team": in_team,
        "is_owner": user.is_authenticated and project.owner_id == user.pk,
        "stages": [
            {"label": label, "done": STAGE_ORDER[value] <= STAGE_ORDER[project.stage]}
            for value, label in Stage.choices
        ],
        "current_stage": project.get_stage_display(),
        "followers": project.follows.count(),
        "following": user.is_authenticated and project.follows.filter(user=user).exists(),
        "partners": {request.partner for request in accompanied},
        "requests": project.support_requests.select_related("partner", "answered_by").order_by(
            "-created_at"
        )
        if in_team
        else [],
        "invitation": Invitation.objects.filter(
            project=project, invited=user, status=Invitation.Status.PENDING
        ).first()
        if user.is_authenticated
        else None,
        "pending_invitations": project.invitations.filter(
            status=Invitation.Status.PENDING
        ).select_related("invited")
        if in_team
        else [],
        "invite_form": InviteForm(),
        "activity": activity,
        "calls": project.calls.exclude(status="closed")
        .only("project_id", "title", "status")
        .prefetch_related(Prefetch("skills", queryset=Skill.objects.only("name"))),
        "chats": project_chat_links(user, project, in_team=in_team),
    }
    return render(request, "projects/detail.html", context)


def _fields(data: dict) -> dict:
    return {
        "title": data["title"],
        "summary": data["summary"],
        "description": data["description"],
        "stage": data["stage"],
        "neighbourhood": data["neighbourhood"],
        "links": data["links"].splitlines(),
        "themes": data["themes"],
        "image": data["image"] or None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    form = NewProjectForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                project = services.create_project(
                    actor=request.user,
                    territory=request.user.territory or Territory.objects.first(),
                    needs=form.cleaned_data["needs"],
                    **_fields(form.cleaned_data),
                )
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Votre projet est en ligne."))
            return redirect(project)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/form.html", {"form": form, "project": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, slug):
    project = get_object_or_404(Project, slug=slug)
    if not services.is_member(request.user, project):
        raise PermissionDenied(_("Seule l'équipe du projet peut le modifier."))
    initial = {
        "title": project.title,
        "summary": project.summary,
        "description": project.description,
        "stage": project.stage,
        "themes": project.themes.all(),
        "neighbourhood": project.neighbourhood,
        "links": "\n".join(link["url"] for link in project.links),
    }
    form = ProjectForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                project = services.update_project(
                    actor=request.user,
                    project_id=project.pk,
                    remove_image=form.cleaned_data["remove_image"],
                    **_fields(form.cleaned_data),
                )
        except Refused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Le projet est à jour."))
            return redirect(project)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/form.html", {"form": form, "project": project}, status=status)


def _team_action(request, slug, action, success: str):
    project = get_object_or_404(Project, slug=slug)
    try:
        action(project)
    except Forbidden as refused:
        raise PermissionDenied(refused.message) from None
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, success)
    return redirect(project.get_absolute_url() + "#equipe")


@login_required
@require_POST
def invite(request, slug):
    form = InviteForm(request.POST)
    identifier = form.data.get("identifier", "")
    return _team_action(
        request,
        slug,
        lambda p: services.invite(actor=request.user, project_id=p.pk, identifier=identifier),
        _("Invitation envoyée."),
    )


@login_required
@require_POST
def answer_invitation(request, slug, invitation_id: int):
    accept = request.POST.get("decision") == "accept"
    return _team_action(
        request,
        slug,
        lambda p: services.answer_invitation(
            actor=request.user, invitation_id=invitation_id, accept=accept
        ),
        _("Bienvenue dans l'équipe !") if accept else _("Invitation déclinée."),
    )


@login_required
@require_POST
def leave(request, slug):
    return _team_action(
        request,
        slug,
        lambda p: services.leave(actor=request.user, project_id=p.pk),
        _("Vous avez quitté l'équipe."),
    )


@login_required
@require_POST
def transfer(request, slug):
    try:
        to_user = int(request.POST.get("to_user", ""))
    except ValueError:
        raise Http404 from None
    return _team_action(
        request,
        slug,
        lambda p: services.transfer(actor=request.user, project_id=p.pk, to_user_id=to_user),
        _("Le projet a un nouveau porteur."),
    )


@login_required
@require_POST
def follow(request, slug):
    project = get_object_or_404(Project, slug=slug)
    if request.POST.get("follow") == "0":
        services.unfollow(actor=request.user, project_id=project.pk)
        messages.success(request, _("Vous ne suivez plus ce projet."))
    else:
        services.follow(actor=request.user, project_id=project.pk)
        messages.success(request, _("Vous suivez ce projet."))
    return redirect(project)
