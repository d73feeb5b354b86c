"""Who may do what in a room. One predicate per action, used by services, views and consumer.

A project's team room: its members only (Membership rows), to read and to write.
A project's open discussion: anyone reads (projects are public), signed-in members write.
A message is edited or deleted by its author only.
A room without a project (workshops, later) is closed until its feature says otherwise.
"""

from __future__ import annotations

from chat.models import Message, Room, RoomKind


def is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_moderator(user) -> bool:
    return is_signed_in(user) and user.is_moderator


def is_team_member(user, room: Room) -> bool:
    if not is_signed_in(user) or room.project_id is None:
        return False
    return room.project.memberships.filter(user=user).exists()


def can_read_room(user, room: Room) -> bool:
    if room.project_id is None:
        return False
    if room.kind == RoomKind.OPEN:
        return True
    return is_team_member(user, room)


def can_post(user, room: Room) -> bool:
    return is_signed_in(user) and can_read_room(user, room)


def can_change_message(user, message: Message) -> bool:
    """Edit or delete: the author only."""
    return is_signed_in(user) and message.author_id == user.pk
