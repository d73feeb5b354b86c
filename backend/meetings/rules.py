"""Who may do what with a meeting: its territory's moderators run it, its members attend."""

from __future__ import annotations

from backend.moderation.rules import can_moderate, is_signed_in, is_territory_moderator


def can_create_meeting(user) -> bool:
    return is_territory_moderator(user)


def can_manage_meeting(user, meeting) -> bool:
    """Edit, cancel, invite, see and export the registered people."""
    return can_moderate(user, meeting.territory_id)


def is_of_territory(user, territory_id: int | None) -> bool:
    return is_signed_in(user) and territory_id is not None and user.territory_id == territory_id


def can_see_meeting(user, meeting) -> bool:
    return is_of_territory(user, meeting.territory_id)


def can_register(user, meeting) -> bool:
    """A member of the territory with an account (a workshop guest has none)."""
    return can_see_meeting(user, meeting) and not user.is_guest
