"""Reading what the server sends: one frame, or under load several as one JSON array."""

import json


def unbatch(text: str) -> list[dict]:
    """The frames in one WebSocket message, in order."""
    parsed = json.loads(text)
    return parsed if isinstance(parsed, list) else [parsed]
