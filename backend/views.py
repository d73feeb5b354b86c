from django.shortcuts import render

from backend.projects.models import Project
from boards.selectors import readable_boards


def home(request):
    return render(
        request,
        "home.html",
        {
            "projects": Project.objects.order_by("-created_at")[:6],
            "boards": readable_boards(request.user)[:6],
        },
    )
