from datetime import timedelta

from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils import timezone

from backend.calls.models import Call
from backend.needs.models import Need
from backend.projects.models import Project
from backend.workshops.models import Workshop
from boards.selectors import readable_boards


def home(request):
    """What is alive on the territory: recent projects, open needs, live boards, the counts."""
    context = {
        "projects": Project.objects.select_related("neighbourhood").order_by("-created_at")[:6],
        "needs": Need.objects.filter(status=Need.Status.OPEN).order_by("-created_at")[:5],
        "calls": Call.objects.filter(status=Call.Status.OPEN)
        .select_related("project")
        .order_by("-created_at")[:5],
        "boards": readable_boards(request.user).order_by("-created_at")[:6],
        "workshops": Workshop.objects.filter(
            status=Workshop.Status.OPEN, starts_at__gte=timezone.now() - timedelta(hours=12)
        ).order_by("starts_at")[:4],
        "counts": {
            "members": get_user_model().objects.filter(is_active=True).count(),
            "projects": Project.objects.count(),
        },
    }
    return render(request, "home.html", context)
