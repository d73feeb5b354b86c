"""Reads for the moderation pages, in a constant number of queries."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from backend.calls.models import Call
from backend.moderation.models import AuditEntry, Report, TargetKind
from backend.projects.models import Project
from boards.models import Card
from chat.models import Message

# Who answers for a target, by kind: the field of its author (a profile is its own).
AUTHOR_FIELDS = {
    TargetKind.CARD: (Card, "author_id"),
    TargetKind.MESSAGE: (Message, "author_id"),
    TargetKind.CALL: (Call, "created_by_id"),
    TargetKind.PROJECT: (Project, "owner_id"),
}


def open_report_groups(territory_id: int) -> list[dict]:
    """Open reports of a territory gathered by target, the most recently reported first."""
    groups: dict[tuple[str, int], dict] = {}
    reports = Report.objects.filter(territory_id=territory_id, resolved_at__isnull=True)
    for report in reports.select_related("reporter").order_by("-created_at", "-id"):
        key = (report.target_kind, report.target_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                "kind": report.target_kind,
                "kind_label": report.get_target_kind_display(),
                "id": report.target_id,
                "excerpt": report.excerpt,
                "url": report.url,
                "latest": report.created_at,
                "reports": [],
                "reasons": {},
            }
        group["reports"].append(report)
        label = report.get_reason_display()
        group["reasons"][label] = group["reasons"].get(label, 0) + 1
    for group in groups.values():
        group["count"] = len(group["reports"])
        group["reasons"] = sorted(group["reasons"].items(), key=lambda r: -r[1])
    _add_authors(list(groups.values()))
    return list(groups.values())


def _add_authors(groups: list[dict]) -> None:
    """Each group's `author`: the member who answers for the target (a card's or a message's
    author, a call's, a project's owner, the profile itself), whom the queue may warn, mute or
    ban; None for a former member or a workshop guest. One query per kind, one for the people."""
    ids_by_kind: dict[str, set[int]] = {}
    for group in groups:
        ids_by_kind.setdefault(group["kind"], set()).add(group["id"])
    authors: dict[tuple[str, int], int | None] = {}
    for kind, ids in ids_by_kind.items():
        if kind == TargetKind.PROFILE:
            authors.update(((kind, pk), pk) for pk in ids)
        elif kind in AUTHOR_FIELDS:
            model, field = AUTHOR_FIELDS[kind]
            rows = model.objects.filter(pk__in=ids).values_list("pk", field)
            authors.update(((kind, pk), author) for pk, author in rows)
    people = get_user_model().objects.filter(
        pk__in={pk for pk in authors.values() if pk is not None}, is_active=True, is_guest=False
    )
    people = {person.pk: person for person in people}
    for group in groups:
        group["author"] = people.get(authors.get((group["kind"], group["id"])))


def audit_entries(territory_id: int):
    return AuditEntry.objects.filter(territory_id=territory_id).select_related("actor")
