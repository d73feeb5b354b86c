"""Fractional-index positions: a move writes one row.

A position is a non-empty string of base-36 digits (`0-9a-z`) read as a fraction in (0, 1),
never ending in `0`. Between any two positions there is always another one. Only lowercase
letters and digits are used so that the database orders them the same under any collation.
"""

from __future__ import annotations

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
_VALUE = {digit: value for value, digit in enumerate(DIGITS)}


def is_valid(position: str) -> bool:
    return bool(position) and position[-1] != "0" and all(c in _VALUE for c in position)


def between(low: str | None, high: str | None) -> str:
    """A position strictly between `low` and `high` (None: the start or the end)."""
    if low is not None and high is not None and not low < high:
        raise ValueError(f"{low!r} is not before {high!r}")
    return _midpoint(low or "", high)


def _midpoint(low: str, high: str | None) -> str:
    if high is not None:
        # Keep the common prefix; the digits after it decide.
        n = 0
        while n < len(high) and (low[n] if n < len(low) else "0") == high[n]:
            n += 1
        if n:
            return high[:n] + _midpoint(low[n:], high[n:])
    low_digit = _VALUE[low[0]] if low else 0
    high_digit = _VALUE[high[0]] if high is not None else BASE
    if high_digit - low_digit > 1:
        return DIGITS[(low_digit + high_digit) // 2]
    # Adjacent digits: high's first digit alone is already between them when high goes on.
    if high is not None and len(high) > 1:
        return high[0]
    return DIGITS[low_digit] + _midpoint(low[1:], None)


def spread(count: int) -> list[str]:
    """`count` increasing positions, for laying out a column from scratch."""
    positions: list[str] = []
    previous = None
    for _ in range(count):
        previous = between(previous, None)
        positions.append(previous)
    return positions
