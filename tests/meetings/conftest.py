from datetime import timedelta

import pytest
from django.utils import timezone

from backend.meetings import services
from tests.factories import make_territory, make_theme, make_user


def member(name, *themes, territory=None, **kwargs):
    user = make_user(name, **kwargs)
    if territory is not None:
        user.territory = territory
        user.save(update_fields=["territory"])
    user.themes.set(themes)
    return user


@pytest.fixture
def s():
    """Sceaux: Modé moderates it, Awa lives there; Autre moderates Antony."""
    sceaux, antony = make_territory("Sceaux"), make_territory("Antony")
    solidarity, environment, culture = (
        make_theme(name) for name in ("Solidarité", "Environnement", "Culture")
    )
    return {
        "sceaux": sceaux,
        "antony": antony,
        "solidarity": solidarity,
        "environment": environment,
        "culture": culture,
        "moderator": member("Modé", solidarity, moderator=True),
        "elsewhere": member("Autre", territory=antony, moderator=True),
        "awa": member("Awa", solidarity),
    }


def soon(days: int = 7):
    """A day ahead at 18:00, the same whenever it is asked."""
    return (timezone.now() + timedelta(days=days)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )


def fields(s, **overrides) -> dict:
    return {
        "title": "Rencontre solidarité",
        "description": "On fait le point sur l'entraide.",
        "starts_at": soon(),
        "place": "Salle des fêtes",
        "themes": [s["solidarity"]],
        "capacity": 3,
        **overrides,
    }


def make_meeting(s, actor="moderator", **overrides):
    actor = s[actor] if isinstance(actor, str) else actor
    return services.create_meeting(actor=actor, **fields(s, **overrides))
