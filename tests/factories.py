"""Small factories for tests: real rows, made through the services where rows are events."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from backend.projects.models import Membership, Project
from backend.territories.models import Territory
from boards import services

_counter = itertools.count(1)
PASSWORD = "un-mot-de-passe-solide"


def make_territory(name: str = "Sceaux") -> Territory:
    territory, _ = Territory.objects.get_or_create(slug=name.lower(), defaults={"name": name})
    return territory


def make_user(name: str | None = None, *, moderator: bool = False, confirmed: bool = True):
    from django.utils import timezone

    n = next(_counter)
    username = (name or f"membre{n}").lower()
    return get_user_model().objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password=PASSWORD,
        display_name=name or f"Membre {n}",
        is_staff=moderator,
        territory=make_territory(),
        email_confirmed_at=timezone.now() if confirmed else None,
    )


def make_project(owner, *, title: str | None = None, members=()) -> Project:
    n = next(_counter)
    project = Project.objects.create(
        territory=make_territory(),
        title=title or f"Projet {n}",
        slug=f"projet-{n}",
        owner=owner,
    )
    Membership.objects.create(project=project, user=owner, role=Membership.Role.OWNER)
    for member in members:
        Membership.objects.create(project=project, user=member)
    return project


def make_board(owner=None, *, project=None, **kwargs):
    owner = owner or make_user()
    if project is None and kwargs.pop("with_project", True):
        project = make_project(owner)
    return services.create_board(
        actor=owner, title=kwargs.pop("title", "Tableau"), project=project, **kwargs
    )


def session_key_for(user) -> str:
    """A real signed-in session for `user`, as the sign-in page would create it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def make_theme(name: str = "Solidarité"):
    from django.utils.text import slugify

    from backend.territories.models import Theme

    theme, _ = Theme.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    return theme


def make_partner(name: str = "France Active", *, steps=("financement",), managers=(), themes=()):
    from django.utils.text import slugify

    from backend.partners.models import Offer, Partner

    partner = Partner.objects.create(
        territory=make_territory(),
        name=name,
        slug=slugify(name),
        summary=f"{name} accompagne les projets du territoire.",
    )
    for step in steps:
        Offer.objects.create(partner=partner, step=step, description=f"{name} : {step}")
    partner.managers.set(managers)
    partner.themes.set(themes)
    return partner
