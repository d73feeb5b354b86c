"""Frames of the live protocol: parsing, op validation, and the frames the server sends.

See docs/protocol.md. Client frames are JSON objects of at most MAX_FRAME_BYTES:
`{"op": "card.create", "id": "c-1", "data": {...}}`. Feature consumers declare, per op, the
fields of `data` with the small field types below; anything else is refused as `invalid`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from realtime.errors import Invalid, Refused
from realtime.streams import dumps

ERROR_CODES = (
    "invalid",
    "forbidden",
    "not_found",
    "conflict",
    "locked",
    "muted",
    "rate_limited",
    "too_large",
    "server_error",
)

# Close codes
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_ABUSE = 4429
CLOSE_TOO_SLOW = 4008

MAX_ID_LENGTH = 64


class TooLarge(Refused):
    code = "too_large"


class RateLimited(Refused):
    code = "rate_limited"


@dataclass(frozen=True)
class Field:
    """One field of an op's `data`."""

    kind: type | tuple[type, ...]
    required: bool = True
    max_length: int | None = None
    choices: tuple | None = None
    nullable: bool = False
    strip: bool = True
    min_length: int = 0

    def clean(self, name: str, value: Any) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise Invalid(_("Le champ « %(name)s » est obligatoire.") % {"name": name})
        # bool is an int in Python: a field that wants a number must not take true/false.
        if isinstance(value, bool) and self.kind is not bool:
            raise Invalid(_("Le champ « %(name)s » n'a pas le bon type.") % {"name": name})
        if not isinstance(value, self.kind):
            raise Invalid(_("Le champ « %(name)s » n'a pas le bon type.") % {"name": name})
        if isinstance(value, str):
            if self.strip:
                value = value.strip()
            if self.max_length is not None and len(value) > self.max_length:
                raise Invalid(
                    _("Le champ « %(name)s » dépasse %(max)s caractères.")
                    % {"name": name, "max": self.max_length}
                )
            if len(value) < self.min_length:
                raise Invalid(_("Le champ « %(name)s » est vide.") % {"name": name})
        if self.choices is not None and value not in self.choices:
            raise Invalid(_("Valeur non prévue pour « %(name)s ».") % {"name": name})
        return value


ID = Field(int)
OPTIONAL_ID = Field(int, required=False, nullable=True)


@dataclass(frozen=True)
class ClientFrame:
    op: str
    id: str | None
    data: dict


def parse_frame(text: str | None, *, max_bytes: int) -> ClientFrame:
    """Parse a text frame into op, id and raw data, or raise a Refused with the right code."""
    if text is None:
        raise Invalid(_("Seules les trames texte JSON sont acceptées."))
    if len(text) > max_bytes or len(text.encode("utf-8")) > max_bytes:
        raise TooLarge(_("Trame trop grande (%(max)s octets au plus).") % {"max": max_bytes})
    try:
        payload = json.loads(text)
    except ValueError:
        raise Invalid(_("Trame illisible : JSON attendu.")) from None
    if not isinstance(payload, dict):
        raise Invalid(_("Trame illisible : un objet JSON est attendu."))
    op = payload.get("op")
    if not isinstance(op, str) or not op:
        raise Invalid(_("Trame sans « op »."))
    op_id = payload.get("id")
    if op_id is not None and (not isinstance(op_id, str) or not 1 <= len(op_id) <= MAX_ID_LENGTH):
        raise Invalid(_("L'identifiant « id » doit être un texte de 1 à 64 caractères."))
    data = payload.get("data", {})
    if not isinstance(data, dict):
        raise Invalid(_("« data » doit être un objet."))
    return ClientFrame(op=op, id=op_id, data=data)


def clean_data(schema: dict[str, Field], data: dict) -> dict:
    """Validate `data` against an op's schema: known fields only, right types and lengths."""
    unknown = set(data) - set(schema)
    if unknown:
        raise Invalid(
            _("Champ inconnu : %(fields)s.") % {"fields": ", ".join(sorted(map(str, unknown)))}
        )
    cleaned = {}
    for name, spec in schema.items():
        if name not in data:
            if spec.required:
                raise Invalid(_("Le champ « %(name)s » est obligatoire.") % {"name": name})
            continue
        cleaned[name] = spec.clean(name, data[name])
    return cleaned


def ack_frame(op_id: str | None, seq: int | None, *, duplicate: bool = False) -> str:
    return dumps(
        {"type": "ack", "id": op_id, "seq": seq, "status": "duplicate" if duplicate else "applied"}
    )


def error_frame(op_id: str | None, code: str, message: str) -> str:
    return dumps({"type": "error", "id": op_id, "code": code, "message": message})


def signal_frame(name: str, data: dict, actor: dict | None) -> str:
    return dumps({"type": "signal", "name": name, "data": data, "actor": actor})


def in_parts(frame: str, *, max_bytes: int) -> list[str]:
    """`frame` alone if it is at most `max_bytes` in UTF-8, otherwise `hello.part` frames that
    carry its text in order: `{"type": "hello.part", "part": 0, "parts": 3, "data": "…"}`.

    daphne's WebSocket stack (autobahn) refuses to send a message over its limit for the ones it
    receives (1 MiB by default), and a snapshot of a board of a few thousand cards is over it:
    such a hello could never be sent, and its board never opened. The client joins the parts'
    `data` and reads the result as the frame. Each part holds `max_bytes // 8` characters, so
    that even escaped (6 bytes for a character written `\\uXXXX`) it stays under the limit.
    """
    if len(frame) <= max_bytes // 4 or len(frame.encode()) <= max_bytes:
        return [frame]
    size = max(1, max_bytes // 8)
    pieces = [frame[start : start + size] for start in range(0, len(frame), size)]
    return [
        dumps({"type": "hello.part", "part": n, "parts": len(pieces), "data": piece})
        for n, piece in enumerate(pieces)
    ]
