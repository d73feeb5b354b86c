"""The layout rules a reader relies on: one writer per app, and realtime/ knows no feature."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    path
    for folder in ("backend", "realtime", "boards", "notifications", "chat")
    for path in (ROOT / folder).rglob("*.py")
    if "migrations" not in path.parts
]


def calls(pattern: str) -> set[str]:
    regex = re.compile(pattern)
    return {
        str(path.relative_to(ROOT))
        for path in SOURCES
        if regex.search(path.read_text(encoding="utf-8"))
    }


def test_only_services_append_to_the_stream_log():
    assert calls(r"\bappend_event\(") == {
        "backend/moderation/activity.py",  # called by the services, in their transactions
        "boards/services.py",
        "chat/services.py",
        "notifications/services.py",
        "realtime/streams.py",
    }


def test_only_the_stream_log_publishes():
    assert calls(r"publish_event_on_commit\(|\bsend_event\(") == {
        "realtime/streams.py",
        "realtime/publish.py",
    }


def test_board_rows_are_written_by_boards_services_only():
    models = r"\b(Board|Column|Card|CardRevision|Vote)\.objects\."
    writes = models + r"(create|update|bulk_create|get_or_create|filter\([^)]*\)\.(update|delete))"
    assert calls(writes) == {"boards/services.py"}
    saves_in_boards = {path for path in calls(r"\.(save|delete)\(") if path.startswith("boards/")}
    assert saves_in_boards == {"boards/services.py"}


def test_chat_rows_are_written_by_chat_services_only():
    models = r"\b(Room|Message|ReadMarker|Mention)\.objects\."
    writes = models + r"(create|update|bulk_create|get_or_create|filter\([^)]*\)\.(update|delete))"
    assert calls(writes) == {"chat/services.py"}
    saves_in_chat = {path for path in calls(r"\.(save|delete)\(") if path.startswith("chat/")}
    assert saves_in_chat == {"chat/services.py"}


def test_realtime_knows_no_feature():
    imports = r"^\s*(from|import)\s+(boards|chat|backend\.projects|backend\.accounts)\b"
    offenders = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "realtime").rglob("*.py")
        if re.search(imports, p.read_text(encoding="utf-8"), re.MULTILINE)
    }
    # routing.py gathers the feature apps' routes: the one place that names them.
    assert offenders <= {"realtime/routing.py"}
