import json

import pytest

from realtime import publish


@pytest.fixture
def published(monkeypatch):
    """The event frames actually published (after commit), decoded, in order."""
    frames: list[dict] = []

    def record(key, seq, delivery):
        if not key.startswith("activity:"):  # the moderators' lines are tested on their own
            frames.append(json.loads(delivery.frame))

    monkeypatch.setattr(publish, "send_event", record)
    return frames
