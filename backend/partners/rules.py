"""Who may do what with partners and support requests."""

from __future__ import annotations

from backend.partners.models import Partner


def is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def manages(user, partner: Partner) -> bool:
    """The accounts that represent the partner: they alone answer in its name."""
    return is_signed_in(user) and partner.managers.filter(pk=user.pk).exists()


def is_project_team(user, project) -> bool:
    return is_signed_in(user) and project.memberships.filter(user=user).exists()
