"""`make run-cluster` (tools/cluster.py): what it checks before it starts anything.

The cluster itself is what tests/realtime/test_two_processes.py runs: daphne processes on one
database and one Redis.
"""

import argparse
import signal
import socket

import pytest

from tools import cluster
from tools.servers import free_port


def test_ports_are_a_list_of_distinct_ports():
    assert cluster.parse_ports("8001,8002") == [8001, 8002]
    assert cluster.parse_ports("8001 8002 8003") == [8001, 8002, 8003]
    for wrong in ("", "8001,8001", "0", "70000", "huit"):
        with pytest.raises(argparse.ArgumentTypeError):
            cluster.parse_ports(wrong)
    assert cluster.arguments([]).ports == [8001, 8002]


def test_a_busy_port_stops_it_before_anything_starts(tmp_path, capsys):
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        code = cluster.main(["--ports", f"{free_port()},{busy}", "--data", str(tmp_path)])
    assert code == 1
    assert f"Cannot listen on 127.0.0.1 port(s) {busy}:" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
    assert {s: signal.getsignal(s) for s in handlers} == handlers


def test_without_postgresql_it_says_what_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cluster, "postgres_on_path", lambda: False)
    assert cluster.main(["--ports", str(free_port()), "--data", str(tmp_path)]) == 1
    assert "sudo apt-get install -y postgresql" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
