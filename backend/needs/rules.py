"""Who may do what with the town's needs."""

from __future__ import annotations


def can_publish_needs(user) -> bool:
    """The town's moderators and agents publish and edit the needs of the territory."""
    return user is not None and user.is_authenticated and user.is_moderator


def can_declare_answer(user, project) -> bool:
    """A project's owner declares that it answers a need."""
    return user is not None and user.is_authenticated and project.owner_id == user.pk
