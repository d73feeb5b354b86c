"""Every daphne the project starts runs with the same options (tools.servers.DAPHNE_OPTIONS):
the tests' and the benchmark's processes, `make run`, the Procfile and docs/deploy.md."""

import re

import pytest

from tools.servers import DAPHNE_OPTIONS, ROOT

FLAGS = " ".join(DAPHNE_OPTIONS)


@pytest.mark.parametrize("path", ["Makefile", "Procfile", "docs/deploy.md"])
def test_each_daphne_command_line_has_the_options(path):
    text = (ROOT / path).read_text()
    commands = [line for line in text.splitlines() if re.search(r"(^|\s|/|\))daphne\s+-", line)]
    assert commands, f"no daphne command line in {path}"
    for line in commands:
        assert FLAGS in line, f"{path}: {line.strip()}"


def test_the_benchmark_runs_the_same_daphne():
    from bench.run import server_command

    command = server_command("app", 8000)
    assert list(DAPHNE_OPTIONS) == command[3 : 3 + len(DAPHNE_OPTIONS)]
