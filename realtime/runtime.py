"""Tuning of the server process for the live path.

Fanning an event out to hundreds of sockets allocates many short-lived objects per frame.
With CPython's default thresholds the collector runs every 700 allocations and, every hundred
of those, walks the whole heap, Django's and the app's modules included: pauses of tens of
milliseconds that every socket waits through. Measured with `make bench`, 20 edits/s to 500
sockets under daphne: op to last client p99 120 ms with the defaults, 31 ms with these.
"""

from __future__ import annotations

import atexit
import gc
import pprint
import sys

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def tune_garbage_collector() -> None:
    """Leave what was loaded at startup out of every collection, and collect less often."""
    gc.collect()
    gc.freeze()
    threshold = settings.REALTIME["GC_THRESHOLD"]
    if threshold:
        _young, middle, old = gc.get_threshold()
        gc.set_threshold(threshold, middle, old)


def load_what_django_loads_on_first_use() -> None:
    """Load the URLconf, each language's reverse maps and translation catalogues now.

    Django loads them on the first `reverse()` or the first `activate()` of a language: in the
    server, in the middle of the first op. Every card made records its board's address for the
    moderators, so the first op after a start imported every views module: 170 ms on the
    database thread, alone, against 8 ms for the next ones (250 ms under load), and the 20 edits
    a second that came meanwhile waited behind it. Called before `tune_garbage_collector`, it
    also leaves all of it out of the collections.
    """
    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018  the property fills this language's maps


def skip_collection_at_exit() -> None:
    """Leave the heap out of the interpreter's last collections when the process exits.

    On its way out, CPython walks the whole heap for garbage, then again as it empties the
    modules: with 5,000 sockets just closed, 3.1 s of the 5.0 s daphne took to exit on SIGTERM
    (py-spy --native: `gc_collect_main` under `Py_FinalizeEx`), with the port still held and
    every client waiting for the new process. Freezing the heap in an exit handler turns those
    walks into nothing: objects are still released by their reference counts, only garbage
    cycles are left to the end of the process.
    """
    atexit.register(gc.freeze)


class _LazyPformat:
    """`pprint.pformat(value)`, worked out only if a log line is written with it."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value

    def __str__(self) -> str:
        return pprint.pformat(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class _Deferred:
    """`function(*args, **kwargs)`, worked out only if a log line is written with it."""

    __slots__ = ("args", "function", "kwargs")

    def __init__(self, function, args, kwargs) -> None:
        self.function, self.args, self.kwargs = function, args, kwargs

    def __str__(self) -> str:
        return str(self.function(*self.args, **self.kwargs))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _deferring(function):
    def deferred(*args, **kwargs) -> _Deferred:
        return _Deferred(function, args, kwargs)

    deferred.__wrapped__ = function
    return deferred


# autobahn's modules that build debug lines for each socket, and its helpers they call
_AUTOBAHN_MODULES = ("autobahn.websocket.protocol", "autobahn.twisted.websocket")
_AUTOBAHN_HIGHLIGHTS = ("hltype", "hlval")


def defer_autobahn_debug_formatting() -> bool:
    """Under daphne: autobahn formats debug lines for every new socket that are dropped unless
    debug logging is on. It pretty-prints the socket's settings (7.6% of the server's time in
    a reconnect storm, py-spy, 10,000 sockets) and highlights names and values for a terminal
    (`hltype`, `hlval`; with click installed, as uvicorn's extra brings it, 3 to 4% more).
    Give its modules a `pformat` and those helpers that format only when a line is written.
    True if autobahn was loaded (daphne imports it before the application)."""
    module = sys.modules.get("autobahn.websocket.protocol")
    if module is None or getattr(module, "pformat", None) is not pprint.pformat:
        return False
    module.pformat = _LazyPformat
    from autobahn import util

    for name in _AUTOBAHN_MODULES:
        loaded = sys.modules.get(name)
        for helper in _AUTOBAHN_HIGHLIGHTS:
            if loaded is not None and getattr(loaded, helper, None) is getattr(util, helper):
                setattr(loaded, helper, _deferring(getattr(util, helper)))
    return True


def write_through_twisted() -> bool:
    """Under daphne: a frame written to a socket with nothing waiting to go leaves at once.

    Twisted's TCP transport never writes in `write()`: it keeps the bytes, asks the event
    loop to watch the socket for writing, sends them on the loop's next turn and stops
    watching — two `epoll_ctl` calls and a turn of the loop for every frame to every socket,
    where asyncio's transports (uvicorn) try `send()` first. Profiled at 20 edits a second to
    500 sockets, about a fifth of daphne's time went to that dance, and the last socket had
    each edit 262 to 302 ms after it was sent at p50 (48 ms writing at once; 500 edits in
    10 s: p99 4.3 s, then 0.6 s). Here a write tries `send()` when nothing is buffered, and hands
    Twisted what the socket did not take, which then goes as before, in order (its
    producers paused as before when that grows). Connections under Twisted's own TLS keep
    Twisted's path (nginx terminates TLS in docs/deploy.md). True if Twisted's TCP was
    loaded (daphne loads it before the application)."""
    tcp = sys.modules.get("twisted.internet.tcp")
    if tcp is None or getattr(tcp.Connection.write, "writes_through", False):
        return False
    buffered = tcp.Connection.write

    def write(self, data) -> None:
        if (
            data
            and type(data) is bytes
            and self.connected
            and not getattr(self, "TLS", False)
            and not self._writeDisconnected
            and not self._tempDataBuffer
            and len(self.dataBuffer) == self.offset
        ):
            try:
                sent = self.socket.send(data)
            except OSError:  # full (BlockingIOError), reset, broken pipe: Twisted's path
                sent = 0  # takes it all, and finds and closes a broken connection
            if sent == len(data):
                return
            data = data[sent:]
        buffered(self, data)

    write.writes_through = True
    write.__wrapped__ = buffered
    tcp.Connection.write = write
    return True
