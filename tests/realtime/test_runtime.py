"""The server process's tuning: what it changes, and that it changes nothing one can see."""

import pprint
import sys

import autobahn.websocket.protocol as autobahn_protocol
import pytest

from realtime import runtime


@pytest.fixture
def autobahn_module(monkeypatch):
    monkeypatch.setattr(autobahn_protocol, "pformat", pprint.pformat)
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


def test_done_once_and_only_on_autobahn_s_own_pformat(autobahn_module, monkeypatch):
    assert runtime.defer_autobahn_debug_formatting() is True
    assert runtime.defer_autobahn_debug_formatting() is False  # already deferred
    monkeypatch.delitem(sys.modules, "autobahn.websocket.protocol")
    assert runtime.defer_autobahn_debug_formatting() is False  # uvicorn: autobahn not loaded
