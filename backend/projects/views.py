from django.shortcuts import get_object_or_404, render

from backend.projects.models import Project
from boards.selectors import readable_boards


def project_list(request):
    projects = Project.objects.select_related("territory", "owner")
    return render(request, "projects/list.html", {"projects": projects})


def project_detail(request, slug):
    project = get_object_or_404(Project.objects.select_related("owner", "territory"), slug=slug)
    boards = readable_boards(request.user).filter(project=project)
    team = project.memberships.select_related("user").order_by("role", "joined_at")
    return render(
        request, "projects/detail.html", {"project": project, "boards": boards, "team": team}
    )
