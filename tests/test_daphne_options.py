"""Every daphne the project starts listens and times its handshakes the same way
(tools.servers.daphne_arguments): the tests' and the benchmark's processes, `make run`, the
Procfile and docs/deploy.md."""

import re

import pytest

from tools.servers import BACKLOG, HANDSHAKE_TIMEOUT, PRODUCTION, ROOT, daphne_arguments


@pytest.mark.parametrize("path", ["Makefile", "Procfile", "docs/deploy.md"])
def test_each_daphne_command_line_has_the_settings(path):
    text = (ROOT / path).read_text().replace("\\\n", " ")  # continued lines as one
    commands = [line for line in text.splitlines() if re.search(r"(^|\s|/|\))daphne\s+-", line)]
    assert commands, f"no daphne command line in {path}"
    for line in commands:
        assert f"--websocket_connect_timeout {HANDSHAKE_TIMEOUT} " in line, line
        assert re.search(rf"-e tcp:port=\S+:interface=\S+:backlog={BACKLOG} ", line), line
        assert " -b " not in line and " -p " not in line, line  # the endpoint says it all


def test_the_arguments_and_the_benchmark_s_daphne():
    assert daphne_arguments("127.0.0.1", 8001) == [
        "--websocket_connect_timeout",
        str(HANDSHAKE_TIMEOUT),
        "-e",
        f"tcp:port=8001:interface=127.0.0.1:backlog={BACKLOG}",
    ]
    from bench.run import server_command

    assert server_command("app", 8001)[3:9] == PRODUCTION + daphne_arguments("127.0.0.1", 8001)


@pytest.mark.parametrize("path", ["Procfile", "docs/deploy.md"])
def test_daphne_runs_in_production_without_its_access_log(path):
    text = (ROOT / path).read_text().replace("\\\n", " ")
    commands = [line for line in text.splitlines() if re.search(r"(^|\s|/)daphne\s+-", line)]
    assert commands and all(" ".join(PRODUCTION) in line for line in commands)
