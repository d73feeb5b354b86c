"""Reads for the moderation pages, in a constant number of queries."""

from __future__ import annotations

from backend.moderation.models import AuditEntry, Report


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
    return list(groups.values())


def audit_entries(territory_id: int):
    return AuditEntry.objects.filter(territory_id=territory_id).select_related("actor")
