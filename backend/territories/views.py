from django.shortcuts import get_object_or_404, render

from backend.territories.models import Theme


def theme_detail(request, slug: str):
    """A theme's page gathers what the territory does about it."""
    theme = get_object_or_404(Theme, slug=slug)
    context = {
        "theme": theme,
        "projects": theme.projects.order_by("-created_at")[:30],
        "needs": theme.needs.order_by("-created_at")[:20],
        "partners": theme.partners.order_by("name"),
        # The members who show this interest on their public page.
        "members": [
            member
            for member in theme.members.filter(is_active=True).order_by("-date_joined")[:100]
            if member.shows("themes")
        ][:30],
    }
    return render(request, "themes/detail.html", context)
