"""The dashboard of a territory, for its moderators: the page, and each figure as CSV."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from backend.moderation import rules
from backend.moderation.dashboard import charts, selectors
from backend.territories.models import Territory


def _moderated(user, slug: str | None) -> Territory:
    """The territory asked for (the moderator's own without a slug), if they moderate it.
    Another territory, known or not, is refused alike: nothing tells which exist."""
    if not rules.is_territory_moderator(user):
        raise PermissionDenied
    if slug is None:
        found = Territory.objects.filter(pk=user.territory_id).first()
    else:
        found = Territory.objects.filter(slug=slug).first()
    if found is None or not rules.can_moderate(user, found.pk):
        raise PermissionDenied
    return found


def dashboard(request, territory: str | None = None):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    place = _moderated(request.user, territory)
    figures = {f.key: f for f in selectors.dashboard(place.pk, now=timezone.now())}
    emerging = figures.pop(selectors.EMERGING_THEMES)
    context = {
        "territory": place,
        "emerging": emerging,
        "charts": [charts.bar_chart(figure) for figure in figures.values()],
        "weeks": selectors.WEEKS,
    }
    return render(request, "moderation/dashboard.html", context)


def export_csv(request, territory: str, figure: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    place = _moderated(request.user, territory)
    if figure not in selectors.DATASETS:
        raise Http404
    dataset = selectors.DATASETS[figure](place.pk, now=timezone.now())
    response = HttpResponse(charts.as_csv(dataset), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{place.slug}-{figure}.csv"'
    return response
