"""Reading partners: the directory grouped by step, a partner's page, a project's partners."""

from __future__ import annotations

from django.db.models import Prefetch

from backend.partners.models import Offer, Partner, SupportRequest, SupportStep


def directory(*, step: str | None = None, theme: str | None = None) -> list[dict]:
    """The steps of the chain in order, each with the partners offering it (two queries)."""
    offers = Offer.objects.select_related("partner").order_by("partner__name")
    if step:
        offers = offers.filter(step=step)
    if theme:
        offers = offers.filter(partner__themes__slug=theme)
    by_step: dict[str, list[Offer]] = {}
    for offer in offers:
        by_step.setdefault(offer.step, []).append(offer)
    return [
        {"step": value, "label": label, "offers": by_step[value]}
        for value, label in SupportStep.choices
        if value in by_step
    ]


def partner_page(slug: str) -> Partner | None:
    accompanied = SupportRequest.objects.filter(
        status=SupportRequest.Status.ACCEPTED
    ).select_related("project")
    return (
        Partner.objects.prefetch_related(
            "offers",
            "themes",
            Prefetch("support_requests", queryset=accompanied, to_attr="accepted_requests"),
        )
        .filter(slug=slug)
        .first()
    )


def requests_of_partner(partner: Partner):
    return partner.support_requests.select_related(
        "project", "requested_by", "answered_by"
    ).order_by("-created_at", "-id")


def requests_of_project(project):
    return project.support_requests.select_related(
        "partner", "requested_by", "answered_by"
    ).order_by("-created_at", "-id")


def accompanying(project) -> list[Partner]:
    """The partners accompanying a project: those that accepted one of its requests."""
    return list(
        Partner.objects.filter(
            support_requests__project=project,
            support_requests__status=SupportRequest.Status.ACCEPTED,
        ).distinct()
    )
