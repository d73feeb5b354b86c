import random

import pytest

from boards import positions


def test_the_first_position_is_in_the_middle():
    assert positions.between(None, None) == "i"


@pytest.mark.parametrize("seed", range(5))
def test_random_inserts_keep_a_strict_order_with_valid_keys(seed):
    rng = random.Random(seed)
    keys: list[str] = []
    for _ in range(400):
        index = rng.randint(0, len(keys))
        low = keys[index - 1] if index > 0 else None
        high = keys[index] if index < len(keys) else None
        key = positions.between(low, high)
        assert positions.is_valid(key), key
        assert (low is None or low < key) and (high is None or key < high), (low, key, high)
        keys.insert(index, key)
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_repeated_inserts_at_one_spot_grow_slowly():
    low, high = "a", "b"
    for _ in range(200):
        high = positions.between(low, high)
    assert low < high
    assert len(high) < 60  # fits the column (max_length=255) for any realistic session


def test_appending_and_prepending_many():
    key = None
    for _ in range(300):
        nxt = positions.between(key, None)
        assert key is None or key < nxt
        key = nxt
    key = None
    for _ in range(300):
        prev = positions.between(None, key)
        assert key is None or prev < key
        key = prev


def test_spread_is_increasing():
    keys = positions.spread(10)
    assert keys == sorted(keys) and len(set(keys)) == 10


def test_refuses_bounds_out_of_order():
    with pytest.raises(ValueError):
        positions.between("b", "a")
    with pytest.raises(ValueError):
        positions.between("a", "a")
