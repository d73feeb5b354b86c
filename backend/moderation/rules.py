"""Who may moderate: the moderators of a territory, for what belongs to that territory."""

from __future__ import annotations


def is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def can_report(user) -> bool:
    """Any signed-in member reports, workshop guests included: they see the same cards."""
    return is_signed_in(user)


def is_territory_moderator(user) -> bool:
    """A moderator attached to a territory: the queue, the journal and the actions are theirs."""
    return is_signed_in(user) and user.is_moderator and user.territory_id is not None


def can_moderate(user, territory_id: int | None) -> bool:
    return (
        is_territory_moderator(user)
        and territory_id is not None
        and user.territory_id == territory_id
    )
