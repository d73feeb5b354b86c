"""The town's needs: the only writer of needs and of the projects declared as answers."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from backend.needs import rules
from backend.needs.models import Answer, Need
from backend.projects.models import Project
from backend.territories.slugs import unique_slug
from backend.validation import clean_text
from realtime.errors import Conflict, Forbidden, Invalid, NotFound

TITLE_MAX = 120
DESCRIPTION_MAX = 5000


@transaction.atomic
def publish_need(
    *, actor, territory, title: str, description: str, themes=(), neighbourhood=None
) -> Need:
    if not rules.can_publish_needs(actor):
        raise Forbidden(_("Seuls les agents et modérateurs de la Ville publient les besoins."))
    title = clean_text(title, max_length=TITLE_MAX, what=_("Le titre"))
    need = Need.objects.create(
        territory=territory,
        title=title,
        slug=unique_slug(Need, title),
        description=clean_text(description, max_length=DESCRIPTION_MAX, what=_("La description")),
        neighbourhood=neighbourhood,
        created_by=actor,
    )
    need.themes.set(themes)
    return need


@transaction.atomic
def update_need(
    *, actor, need_id: int, title: str, description: str, status: str, themes=(), neighbourhood=None
) -> Need:
    if not rules.can_publish_needs(actor):
        raise Forbidden(_("Seuls les agents et modérateurs de la Ville modifient les besoins."))
    need = Need.objects.select_for_update().filter(pk=need_id).first()
    if need is None:
        raise NotFound()
    if status not in Need.Status.values:
        raise Invalid(_("Statut inconnu."))
    need.title = clean_text(title, max_length=TITLE_MAX, what=_("Le titre"))
    need.description = clean_text(description, max_length=DESCRIPTION_MAX, what=_("La description"))
    need.status = status
    need.neighbourhood = neighbourhood
    need.save()
    need.themes.set(themes)
    return need


def declare_answer(*, actor, need_id: int, project_id: int) -> Answer:
    """The project's owner says the project answers the need; an open need is then answered."""
    need = Need.objects.filter(pk=need_id).first()
    project = Project.objects.filter(pk=project_id).first()
    if need is None or project is None:
        raise NotFound()
    if not rules.can_declare_answer(actor, project):
        raise Forbidden(_("Seul le porteur du projet peut le déclarer en réponse à un besoin."))
    if need.status == Need.Status.CLOSED:
        raise Conflict(_("Ce besoin est clos."))
    try:
        with transaction.atomic():
            answer = Answer.objects.create(need=need, project=project, declared_by=actor)
            Need.objects.filter(pk=need.pk, status=Need.Status.OPEN).update(
                status=Need.Status.ANSWERED
            )
    except IntegrityError:
        raise Conflict(_("Ce projet répond déjà à ce besoin.")) from None
    return answer


def withdraw_answer(*, actor, need_id: int, project_id: int) -> None:
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        raise NotFound()
    if not rules.can_declare_answer(actor, project):
        raise Forbidden(_("Seul le porteur du projet peut retirer sa réponse."))
    deleted, _detail = Answer.objects.filter(need_id=need_id, project=project).delete()
    if not deleted:
        raise NotFound()
