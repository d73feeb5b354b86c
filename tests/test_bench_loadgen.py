"""The load generator's reader reads frames as realtime.js does."""

from bench.loadgen import Reader, Stats
from realtime.protocol import in_parts
from realtime.streams import dumps


def test_a_hello_in_parts_counts_once_whole_and_the_events_follow_it():
    stats = Stats()
    reader = Reader(stats)
    hello = dumps({"type": "hello", "seq": 41, "state": {"cards": ["é" * 300] * 20}})
    parts = in_parts(hello, max_bytes=2048)
    assert len(parts) > 2
    for part in parts[:-1]:
        reader.on_message(part, 0.0)
        assert stats.hellos == 0  # not before the last part
    reader.on_message(parts[-1], 0.0)
    assert stats.hellos == 1 and reader.last_seq == 41
    reader.on_message(dumps({"type": "event", "seq": 42, "op": "x-1"}), 0.0)
    assert stats.holes == 0 and stats.duplicates == 0 and reader.last_seq == 42
