"""protocol.in_parts: a frame too big for one WebSocket message, as parts that join into it."""

import json

import pytest

from realtime.protocol import in_parts
from realtime.streams import dumps


def joined(parts: list[str]) -> str:
    frames = [json.loads(part) for part in parts]
    assert [f["type"] for f in frames] == ["hello.part"] * len(frames)
    assert [f["part"] for f in frames] == list(range(len(frames)))
    assert {f["parts"] for f in frames} == {len(frames)}
    return "".join(f["data"] for f in frames)


def test_a_frame_that_fits_is_sent_as_it_is():
    frame = dumps({"type": "hello", "state": {"text": "é" * 200}})
    assert in_parts(frame, max_bytes=len(frame.encode())) == [frame]


@pytest.mark.parametrize(
    "text",
    [
        "a" * 5000,  # plain
        "é" * 3000 + "💡" * 500,  # two and four bytes a character in UTF-8
        '"\\' * 1500 + "\x01" * 800,  # escaped: two and six bytes a character in the parts
    ],
    ids=["ascii", "utf-8", "escaped"],
)
def test_a_bigger_frame_goes_in_parts_each_within_the_limit_that_join_into_it(text):
    frame = dumps({"type": "hello", "seq": 7, "state": {"text": text}})
    parts = in_parts(frame, max_bytes=1024)
    assert len(parts) > 1
    assert all(len(part.encode()) <= 1024 for part in parts)
    assert joined(parts) == frame
    assert json.loads(joined(parts))["state"]["text"] == text
