"""`/ws/chat/<id>/`: a live room (stream `chat:<id>`). Parses ops and calls chat.services.

Who connects: a project's team room, its members (others 4403, anonymous 4401); its open
discussion, anyone (anonymous readers get `forbidden` on ops). Unknown room: 4404.

`hello.state` (chat.selectors.room_snapshot): `{room, messages (the latest 50, oldest first),
has_more, read_seq, unread}`; `hello.me`: `{id, name, username, can_post}`. A message is
`{id, seq, author, text, reply_to: {id, author, excerpt, hidden} | null, created_at,
edited_at, deleted, hidden}`; a deleted or hidden one has `text: null`; a quote of a deleted
one has `excerpt: null`, of one a moderator hid `hidden: true` and a neutral excerpt.

| op | data | event |
| --- | --- | --- |
| `message.send` | `text` (≤ 4,000), `reply_to`? (a message id) | `message.created` `{message}` |
| `message.edit` | `message`, `text` (its author only) | `message.edited` `{message}` |
| `message.delete` | `message` (its author only) | `message.deleted` `{message}` |
| `read` | `seq` (forward only; an older one is no event) | `read` `{user, seq}` |

Signal `typing` `{active}`: relayed to the room's other sockets, never stored. Older messages
come over HTTP: `GET /discussions/<id>/messages/?avant=<message id>`.
"""

from __future__ import annotations

import asyncio
import contextlib

from channels.db import database_sync_to_async

from chat import rules, selectors, services
from chat.models import MESSAGE_TEXT_MAX, Room, RoomKind
from realtime import protocol
from realtime.consumers import StreamConsumer, StreamRefused
from realtime.protocol import ID, OPTIONAL_ID, Field
from realtime.streams import Applied

TEXT = Field(str, max_length=MESSAGE_TEXT_MAX, min_length=1)


class ChatConsumer(StreamConsumer):
    op_schemas = {
        "message.send": {"text": TEXT, "reply_to": OPTIONAL_ID},
        "message.edit": {"message": ID, "text": TEXT},
        "message.delete": {"message": ID},
        "read": {"seq": Field(int)},
    }
    # « Awa écrit… »: relayed to the room's other sockets, never stored.
    signal_schemas = {"typing": {"active": Field(bool)}}
    #: seconds between two checks that a team room's reader is still in the team
    recheck_every = 30.0
    recheck: asyncio.Task | None = None

    def authorize(self) -> str:
        room_id = self.scope["url_route"]["kwargs"]["room_id"]
        room = Room.objects.select_related("project").filter(pk=room_id).first()
        if room is None:
            raise StreamRefused(protocol.CLOSE_NOT_FOUND)
        if not rules.can_read_room(self.user, room):
            code = protocol.CLOSE_FORBIDDEN if self.person else protocol.CLOSE_UNAUTHENTICATED
            raise StreamRefused(code)
        self.room_id = room.pk
        self.team_only = room.kind != RoomKind.OPEN
        return room.stream_key

    async def connect(self) -> None:
        await super().connect()
        if self.sub is not None and self.team_only:
            self.recheck = asyncio.get_running_loop().create_task(self._recheck_rights())

    async def disconnect(self, code: int) -> None:
        if self.recheck is not None:
            self.recheck.cancel()
        await super().disconnect(code)

    async def _recheck_rights(self) -> None:
        """Someone who leaves the team stops reading its room: their open socket is closed
        (4403) within `recheck_every` seconds, not at their next reconnection."""
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(self.recheck_every)
                if not await database_sync_to_async(self._still_reader)():
                    await self._close_with(protocol.CLOSE_FORBIDDEN)
                    return

    def _still_reader(self) -> bool:
        room = Room.objects.select_related("project").filter(pk=self.room_id).first()
        return room is not None and rules.can_read_room(self.user, room)

    def _room(self) -> Room:
        return Room.objects.select_related("project").get(pk=self.room_id)

    def snapshot(self) -> dict:
        return selectors.room_snapshot(self._room(), self.user)

    def me(self) -> dict:
        return selectors.room_me(self._room(), self.user)

    def limits(self) -> dict:
        return {**super().limits(), "message_text_max": MESSAGE_TEXT_MAX}

    # Ops: one line each, the service decides -------------------------------------------------

    def _call(self, service, op_id: str, **kwargs) -> Applied:
        return service(actor=self.user, room_id=self.room_id, op_id=op_id, **kwargs)

    def op_message_send(self, data: dict, op_id: str) -> Applied:
        return self._call(
            services.send_message, op_id, text=data["text"], reply_to_id=data.get("reply_to")
        )

    def op_message_edit(self, data: dict, op_id: str) -> Applied:
        return self._call(
            services.edit_message, op_id, message_id=data["message"], text=data["text"]
        )

    def op_message_delete(self, data: dict, op_id: str) -> Applied:
        return self._call(services.delete_message, op_id, message_id=data["message"])

    def op_read(self, data: dict, op_id: str) -> Applied:
        return self._call(services.mark_read, op_id, seq=data["seq"])
