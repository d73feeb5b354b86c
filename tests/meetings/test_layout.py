"""Meetings keep the layout: backend/meetings/services.py is their only writer."""

import re

from tests.test_architecture import ROOT, SOURCES

WRITES = re.compile(
    r"\b(Meeting|Registration|Invitation)\.objects\."
    r"(create|update|bulk_create|get_or_create|filter\([^)]*\)\.(update|delete))"
    r"|\.(registrations|invitations)\.(create|filter\([^)]*\)\.delete|all\(\)\.delete)"
    r"|\.(save|delete)\("
)


def test_meeting_rows_are_written_by_the_meetings_services_only():
    # Where meetings are known: their app, and whatever imports their models (projects has
    # an Invitation model of its own).
    knowing = [
        path
        for path in SOURCES
        if "meetings" in path.parts or "backend.meetings.models" in path.read_text("utf-8")
    ]
    writers = {
        str(path.relative_to(ROOT))
        for path in knowing
        if WRITES.search(path.read_text(encoding="utf-8"))
    }
    assert writers == {"backend/meetings/services.py"}
