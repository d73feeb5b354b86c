"""Projects and their teams: the only writer of projects, memberships, invitations, follows."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.services import can_publish
from backend.moderation import activity
from backend.moderation.models import TargetKind
from backend.projects.models import Follow, Invitation, Membership, Project, Stage
from backend.territories.slugs import unique_slug
from backend.validation import clean_links, clean_text
from notifications.models import Kind
from notifications.services import notify
from realtime.errors import Conflict, Forbidden, Invalid, NotFound

TITLE_MAX = 120
SUMMARY_MAX = 200
DESCRIPTION_MAX = 20000


def is_member(user, project: Project) -> bool:
    return bool(user and user.is_authenticated) and project.memberships.filter(user=user).exists()


def is_owner(user, project: Project) -> bool:
    return bool(user and user.is_authenticated) and project.owner_id == user.pk


def _apply(project: Project, fields: dict) -> None:
    project.title = clean_text(fields["title"], max_length=TITLE_MAX, what=_("Le titre"))
    project.summary = clean_text(
        fields.get("summary", ""), max_length=SUMMARY_MAX, what=_("Le résumé"), required=False
    )
    project.description = clean_text(
        fields.get("description", ""),
        max_length=DESCRIPTION_MAX,
        what=_("La description"),
        required=False,
    )
    stage = fields.get("stage") or Stage.IDEA
    if stage not in Stage.values:
        raise Invalid(_("Étape inconnue."))
    project.stage = stage
    project.neighbourhood = fields.get("neighbourhood")
    project.links = clean_links(fields.get("links"))


@transaction.atomic
def create_project(*, actor, territory, themes=(), needs=(), image=None, **fields) -> Project:
    """A member with a confirmed address creates a project and becomes its owner."""
    if not can_publish(actor):
        raise Forbidden(_("Confirmez votre adresse e-mail pour publier un projet."))
    project = Project(territory=territory, owner=actor)
    _apply(project, fields)
    project.slug = unique_slug(Project, project.title)
    project.save()
    if image is not None:
        _set_image(project, image)
    Membership.objects.create(project=project, user=actor, role=Membership.Role.OWNER)
    project.themes.set(themes)
    _answer_needs(actor, project, needs)
    _record(actor, project, activity.Kind.PROJECT)
    return project


@transaction.atomic
def update_project(
    *, actor, project_id: int, themes=(), image=None, remove_image=False, **fields
) -> Project:
    """The team edits the project's page; the owner too, of course."""
    project = Project.objects.select_for_update().filter(pk=project_id).first()
    if project is None:
        raise NotFound()
    if not is_member(actor, project):
        raise Forbidden(_("Seule l'équipe du projet peut le modifier."))
    stage_before = project.stage
    _apply(project, fields)
    if remove_image and project.image:
        project.image.delete(save=False)
    project.save()
    if image is not None:
        _set_image(project, image)
    project.themes.set(themes)
    if project.stage != stage_before:
        _record(actor, project, activity.Kind.STAGE)
    return project


def _record(actor, project: Project, kind: str) -> None:
    """A line of the territory's activity: a project created, or at a new stage."""
    activity.record(
        territory_id=project.territory_id,
        kind=kind,
        actor=actor,
        excerpt=project.title,
        url=project.get_absolute_url(),
        project=project,
        target=(TargetKind.PROJECT, project.pk),
        detail=project.stage,
    )


def _set_image(project: Project, upload) -> None:
    from backend.accounts import avatars

    processed = avatars.process(upload, size=(1200, 630))
    if project.image:
        project.image.delete(save=False)
    project.image.save(processed.name, processed, save=True)


def _answer_needs(actor, project: Project, needs) -> None:
    from backend.needs.services import declare_answer

    for need in needs:
        declare_answer(actor=actor, need_id=need.pk, project_id=project.pk)


# The team ----------------------------------------------------------------------------------


def invite(*, actor, project_id: int, identifier: str) -> Invitation:
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        raise NotFound()
    if not is_owner(actor, project):
        raise Forbidden(_("Seul le porteur du projet invite dans l'équipe."))
    identifier = (identifier or "").strip()
    lookup = {"email__iexact": identifier} if "@" in identifier else {"username": identifier}
    person = (
        get_user_model().objects.filter(is_active=True, **lookup).first() if identifier else None
    )
    if person is None:
        raise Invalid(_("Aucun membre avec cet identifiant ou cette adresse."))
    if is_member(person, project):
        raise Conflict(_("Cette personne fait déjà partie de l'équipe."))
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                project=project, invited=person, invited_by=actor
            )
            notify(
                [person],
                kind=Kind.INVITATION,
                title=_("%(name)s vous invite dans l'équipe de « %(project)s »")
                % {"name": actor.public_name, "project": project.title},
                url=project.get_absolute_url(),
                actor=actor,
            )
            return invitation
    except IntegrityError:
        raise Conflict(_("Cette personne est déjà invitée.")) from None


@transaction.atomic
def answer_invitation(*, actor, invitation_id: int, accept: bool) -> Invitation:
    invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
    if invitation is None or invitation.invited_id != actor.pk:
        raise NotFound()
    if invitation.status != Invitation.Status.PENDING:
        raise Conflict(_("Vous avez déjà répondu à cette invitation."))
    invitation.status = Invitation.Status.ACCEPTED if accept else Invitation.Status.DECLINED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    if accept:
        Membership.objects.get_or_create(project_id=invitation.project_id, user=actor)
    return invitation


def leave(*, actor, project_id: int) -> None:
    project = Project.objects.filter(pk=project_id).first()
    if project is None or not is_member(actor, project):
        raise NotFound()
    if is_owner(actor, project):
        raise Invalid(_("Transmettez d'abord le projet à un autre membre de l'équipe."))
    Membership.objects.filter(project=project, user=actor).delete()


@transaction.atomic
def transfer(*, actor, project_id: int, to_user_id: int) -> Project:
    project = Project.objects.select_for_update().filter(pk=project_id).first()
    if project is None:
        raise NotFound()
    if not is_owner(actor, project):
        raise Forbidden(_("Seul le porteur du projet peut le transmettre."))
    new_owner = project.memberships.filter(user_id=to_user_id).select_related("user").first()
    if new_owner is None or new_owner.user_id == actor.pk:
        raise Invalid(_("Le projet se transmet à un autre membre de l'équipe."))
    project.memberships.filter(user=actor).update(role=Membership.Role.MEMBER)
    project.memberships.filter(user_id=to_user_id).update(role=Membership.Role.OWNER)
    project.owner_id = to_user_id
    project.save(update_fields=["owner", "updated_at"])
    return project


# Following ---------------------------------------------------------------------------------


def follow(*, actor, project_id: int) -> bool:
    """Follow a project (idempotent): True when this is a new follow."""
    if not (actor and actor.is_authenticated):
        raise Forbidden(_("Connectez-vous pour suivre un projet."))
    if not Project.objects.filter(pk=project_id).exists():
        raise NotFound()
    with transaction.atomic():
        _follow, created = Follow.objects.get_or_create(project_id=project_id, user=actor)
        if created:
            project = Project.objects.get(pk=project_id)
            notify(
                project.members.all(),
                kind=Kind.NEW_FOLLOWER,
                title=_("%(name)s suit maintenant « %(project)s »")
                % {"name": actor.public_name, "project": project.title},
                url=project.get_absolute_url(),
                actor=actor,
            )
    return created


def unfollow(*, actor, project_id: int) -> None:
    Follow.objects.filter(project_id=project_id, user=actor).delete()
