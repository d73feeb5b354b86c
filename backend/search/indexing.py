"""Keeping the search documents in step with the pages they stand for."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from backend.needs.models import Need
from backend.partners.models import Partner
from backend.projects.models import Project
from backend.search.models import Document
from backend.search.text import fold

Kind = Document.Kind


def _save(kind: str, pk: int, *, title: str, summary: str, url: str, parts) -> None:
    text = " ".join(part for part in parts if part)
    Document.objects.update_or_create(
        kind=kind,
        object_id=pk,
        defaults={
            "title": title[:200],
            "summary": summary[:300],
            "url": url,
            "folded_title": fold(title)[:200],
            "folded_text": fold(f"{title} {summary} {text}"),
        },
    )


def index_project(project: Project) -> None:
    _save(
        Kind.PROJECT,
        project.pk,
        title=project.title,
        summary=project.summary,
        url=project.get_absolute_url(),
        parts=[getattr(project, "description", "")],
    )


def index_need(need: Need) -> None:
    _save(
        Kind.NEED,
        need.pk,
        title=need.title,
        summary=need.description[:300],
        url=need.get_absolute_url(),
        parts=[need.description, *need.themes.values_list("name", flat=True)],
    )


def index_partner(partner: Partner) -> None:
    _save(
        Kind.PARTNER,
        partner.pk,
        title=partner.name,
        summary=partner.summary,
        url=partner.get_absolute_url(),
        parts=[
            partner.description,
            *partner.offers.values_list("description", flat=True),
            *partner.themes.values_list("name", flat=True),
        ],
    )


def index_member(user) -> None:
    if not user.is_active or user.is_guest:  # a guest is a pseudonym for one workshop
        forget(Kind.MEMBER, user.pk)
        return
    # Only what the member shows on their public page can find them.
    shown = user.public_fields or []
    parts = [user.username]
    if "bio" in shown:
        parts.append(user.bio)
    if "skills" in shown:
        parts += user.skills.values_list("name", flat=True)
    if "themes" in shown:
        parts += user.themes.values_list("name", flat=True)
    _save(
        Kind.MEMBER,
        user.pk,
        title=user.public_name,
        summary=user.bio[:300] if "bio" in shown else "",
        url=user.get_absolute_url(),
        parts=parts,
    )


def forget(kind: str, pk: int) -> None:
    Document.objects.filter(kind=kind, object_id=pk).delete()


def reindex_all() -> int:
    Document.objects.all().delete()
    for project in Project.objects.all():
        index_project(project)
    for need in Need.objects.prefetch_related("themes"):
        index_need(need)
    for partner in Partner.objects.all():
        index_partner(partner)
    for user in get_user_model().objects.filter(is_active=True, is_guest=False):
        index_member(user)
    return Document.objects.count()
