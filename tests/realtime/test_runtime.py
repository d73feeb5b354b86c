"""The server process's tuning: what it changes, and that it changes nothing one can see."""

import pprint
import sys
from pathlib import Path

import autobahn.twisted.websocket as autobahn_twisted
import autobahn.util as autobahn_util
import autobahn.websocket.protocol as autobahn_protocol
import pytest

from realtime import runtime


@pytest.fixture
def autobahn_module(monkeypatch):
    """autobahn's modules as they are before the app is loaded (the test process loaded it)."""
    monkeypatch.setattr(autobahn_protocol, "pformat", pprint.pformat)
    for module in (autobahn_protocol, autobahn_twisted):
        for helper in ("hltype", "hlval"):
            monkeypatch.setattr(module, helper, getattr(autobahn_util, helper))
    return autobahn_protocol


def test_autobahn_s_per_socket_debug_line_is_formatted_only_when_written(
    autobahn_module, monkeypatch
):
    assert runtime.defer_autobahn_debug_formatting() is True
    settings = [("openHandshakeTimeout", 5, "WebSocketServerFactory")] * 3
    calls = []
    real = pprint.pformat
    monkeypatch.setattr(pprint, "pformat", lambda value: calls.append(value) or real(value))
    deferred = autobahn_module.pformat(settings)  # what each new socket does
    assert calls == []
    # Written (debug logging on): the same text as before, through str.format as txaio does.
    template = "\n{attrs}"  # txaio formats its log lines with str.format
    assert template.format(attrs=deferred) == "\n" + real(settings)
    assert str(deferred) == real(settings) and len(calls) == 2


@pytest.mark.parametrize("module", [autobahn_protocol, autobahn_twisted])
def test_autobahn_s_highlighted_names_and_values_are_made_only_when_written(
    autobahn_module, monkeypatch, module
):
    assert runtime.defer_autobahn_debug_formatting() is True
    made = []
    real = autobahn_util.hl  # what hltype and hlval call (click's colours, when installed)
    monkeypatch.setattr(
        autobahn_util, "hl", lambda text, **kw: made.append(text) or real(text, **kw)
    )
    name, value = module.hltype(test_done_once_and_only_on_autobahn_s_own_pformat), module.hlval(42)
    assert made == []  # what each socket's dropped debug lines cost: nothing
    # Written: the same text as autobahn's own helpers give, through str.format as txaio does.
    line = "{func}: {value}".format(func=name, value=value)  # noqa: UP032
    assert made
    expected = autobahn_util.hltype(test_done_once_and_only_on_autobahn_s_own_pformat)
    assert line == expected + ": " + autobahn_util.hlval(42)


def test_done_once_and_only_on_autobahn_s_own_pformat(autobahn_module, monkeypatch):
    assert runtime.defer_autobahn_debug_formatting() is True
    assert runtime.defer_autobahn_debug_formatting() is False  # already deferred
    monkeypatch.delitem(sys.modules, "autobahn.websocket.protocol")
    assert runtime.defer_autobahn_debug_formatting() is False  # uvicorn: autobahn not loaded


EXIT_WITH_GARBAGE = """
import gc, sys
gc.disable()  # only the exit's own collections may find the cycle
if sys.argv[1] == "app":
    import backend.asgi  # noqa: F401  the server's process, as daphne and uvicorn load it

class Node:
    def __del__(self):
        print("collected", flush=True)

a, b = Node(), Node()
a.other, b.other = b, a
del a, b
"""


def in_a_fresh_process(script: str, load: str) -> str:
    """What `script` prints, run in a new interpreter (`load`: "app" or "bare")."""
    import os
    import subprocess

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "backend.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script, load],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("load", ["app", "bare"])
def test_the_server_s_process_leaves_its_heap_out_of_the_exit_s_collections(load):
    """Without it, daphne spent 3.1 of its 5.0 s exit with 5,000 sockets walking the heap."""
    printed = in_a_fresh_process(EXIT_WITH_GARBAGE, load)
    # A plain process collects the cycle on its way out; the app's leaves it to the kernel.
    assert printed.count("collected") == (0 if load == "app" else 2)


FIRST_OP = """
import sys
import django
if sys.argv[1] == "app":
    import backend.asgi  # noqa: F401  the server's process, as daphne and uvicorn load it
else:
    django.setup()
from django.urls import reverse
from django.utils import translation

loaded = []
sys.addaudithook(lambda event, args: event in ("import", "open") and loaded.append(args[0]))
for code in ("fr", "en"):  # what an op does for a socket in either language
    with translation.override(code):
        address = reverse("boards:detail", args=[7])
        translation.gettext("Opération inconnue : %(op)s.")
print(len(loaded), address)
"""


@pytest.mark.parametrize("load", ["app", "bare"])
def test_the_first_op_after_a_start_loads_no_module_and_no_catalogue(load):
    """Without it, the first card made after a start imported every views module: 170 ms."""
    count, address = in_a_fresh_process(FIRST_OP, load).split()
    assert address == "/tableaux/7/"
    # A plain Django process loads the URLconf, its views and the catalogues there and then.
    assert (int(count) == 0) if load == "app" else (int(count) > 20)


# Twisted's TCP writes at once when nothing is buffered -----------------------------------------


class _Reactor:
    """What a connection asks of the reactor: to be watched for writing, or not."""

    def __init__(self):
        self.writers = []

    def addWriter(self, connection):
        if connection not in self.writers:
            self.writers.append(connection)

    def removeWriter(self, connection):
        if connection in self.writers:
            self.writers.remove(connection)


@pytest.fixture
def twisted_tcp(monkeypatch):
    """Twisted's TCP connection as before the app is loaded, and a connected socket pair."""
    import socket

    from twisted.internet import tcp
    from twisted.internet.protocol import Protocol

    buffered = getattr(tcp.Connection.write, "__wrapped__", tcp.Connection.write)
    monkeypatch.setattr(tcp.Connection, "write", buffered)
    ours, theirs = socket.socketpair()
    theirs.setblocking(False)
    reactor = _Reactor()
    connection = tcp.Connection(ours, Protocol(), reactor=reactor)
    connection.connected = 1  # as Twisted's Server sets it
    yield tcp, connection, theirs, reactor
    ours.close()
    theirs.close()


def _received(sock) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def test_twisted_sends_a_frame_at_once_when_nothing_waits(twisted_tcp):
    tcp, connection, theirs, reactor = twisted_tcp
    connection.write(b"before")  # Twisted's own way: kept for the reactor's next turn
    assert _received(theirs) == b"" and reactor.writers == [connection]
    connection.doWrite()
    assert _received(theirs) == b"before"
    assert runtime.write_through_twisted() is True
    assert runtime.write_through_twisted() is False  # done once
    connection.write(b'{"type": "event", "seq": 1}')
    assert _received(theirs) == b'{"type": "event", "seq": 1}'  # no turn of the reactor
    assert reactor.writers == []


def test_what_the_socket_does_not_take_goes_later_and_in_order(twisted_tcp):
    import socket

    tcp, connection, theirs, reactor = twisted_tcp
    runtime.write_through_twisted()
    connection.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    big = bytes(range(256)) * 8192  # 2 MiB: more than the socket takes at once
    connection.write(big)
    got = _received(theirs)  # what left at once; the socket has room again
    assert 0 < len(got) < len(big) and reactor.writers == [connection]
    connection.write(b"after")  # must not overtake what waits
    while reactor.writers:
        got += _received(theirs)
        connection.doWrite()
    got += _received(theirs)
    assert got == big + b"after"


def test_twisted_s_tls_and_other_cases_keep_twisted_s_path(twisted_tcp, monkeypatch):
    tcp, connection, theirs, reactor = twisted_tcp
    runtime.write_through_twisted()
    connection.TLS = True  # Twisted's own TLS: its layer must see every byte
    sent_to_tls = []
    monkeypatch.setattr(connection, "protocol", type("TLS", (), {"write": sent_to_tls.append})())
    connection.write(b"secret")
    assert sent_to_tls == [b"secret"] and _received(theirs) == b""
    connection.TLS = False
    with pytest.raises(TypeError):
        connection.write("text, not bytes")  # refused as Twisted refuses it
    connection.disconnecting = connection._writeDisconnected = True
    connection.write(b"after the half-close")
    assert _received(theirs) == b""


def test_nothing_to_do_without_twisted(monkeypatch):
    monkeypatch.delitem(sys.modules, "twisted.internet.tcp", raising=False)
    assert runtime.write_through_twisted() is False  # uvicorn: Twisted not loaded
