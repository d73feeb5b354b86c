"""What exists once per event loop: one per process in production, one per test's loop."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def one_per_loop(factory: Callable[[], T]) -> Callable[[], T]:
    """A function giving the running loop's `factory()`, made on its first call in that loop.

    Kept by a weak reference to the loop: it goes with its loop (as long as it does not hold a
    reference to the loop itself).
    """
    made: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = weakref.WeakKeyDictionary()

    def of_running_loop() -> T:
        loop = asyncio.get_running_loop()
        thing = made.get(loop)
        if thing is None:
            thing = made[loop] = factory()
        return thing

    return of_running_loop
