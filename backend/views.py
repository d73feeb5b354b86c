from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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


@require_GET
@never_cache
def language(request):
    """The language switch of every page: a GET form, so that the page holds no CSRF token
    and can be cached for every anonymous visitor (backend/pages/cache.py). It only sets the
    language cookie, as Django's set_language does, and goes back to `next` (same site only).
    """
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    code = request.GET.get("language", "")
    if code and check_for_language(code):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
