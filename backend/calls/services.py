"""Calls for skills: the only writer of calls and responses.

Publishing a call tells, live, every member whose profile has one of the skills sought —
each once, whatever the number of skills that match — then the project's followers; nobody
in the team is told about their own call.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.services import can_publish
from backend.calls.models import Call, Response
from backend.moderation import activity
from backend.moderation.models import TargetKind
from backend.projects.models import Membership, Project
from backend.projects.services import is_member
from backend.validation import clean_text
from notifications.models import Kind
from notifications.services import notify
from realtime.errors import Conflict, Forbidden, Invalid, NotFound

TITLE_MAX = 120
DESCRIPTION_MAX = 3000
MESSAGE_MAX = 2000


def matching_people(call: Call) -> list[int]:
    """Members with at least one of the call's skills, outside the project's team."""
    team = Membership.objects.filter(project=call.project_id).values("user")
    return list(
        get_user_model()
        .objects.filter(is_active=True, skills__in=call.skills.all())
        .exclude(pk__in=team)
        .values_list("pk", flat=True)
        .distinct()
    )


@transaction.atomic
def publish_call(
    *,
    actor,
    project_id: int,
    title: str,
    description: str,
    skills,
    time_asked: str,
    place: str = "",
    remote: bool = False,
    closes_on=None,
) -> Call:
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        raise NotFound()
    if not is_member(actor, project):
        raise Forbidden(_("Seule l'équipe du projet publie ses appels à compétences."))
    if not can_publish(actor):
        raise Forbidden(_("Confirmez votre adresse e-mail pour publier un appel."))
    skills = list(skills)
    if not skills:
        raise Invalid(_("Choisissez au moins une compétence."))
    if closes_on is not None and closes_on < timezone.localdate():
        raise Invalid(_("La date de clôture est déjà passée."))
    call = Call.objects.create(
        project=project,
        title=clean_text(title, max_length=TITLE_MAX, what=_("Le titre")),
        description=clean_text(description, max_length=DESCRIPTION_MAX, what=_("La description")),
        time_asked=clean_text(time_asked, max_length=120, what=_("Le temps demandé")),
        place=clean_text(place, max_length=120, what=_("Le lieu"), required=False),
        remote=bool(remote),
        closes_on=closes_on,
        created_by=actor,
    )
    call.skills.set(skills)
    words = {"project": project.title, "title": call.title}
    matched = set(matching_people(call))
    notify(
        matched,
        kind=Kind.CALL_MATCH,
        title=_("« %(project)s » cherche vos compétences : %(title)s") % words,
        body=call.time_asked,
        url=call.get_absolute_url(),
        actor=actor,
    )
    team = set(project.memberships.values_list("user_id", flat=True))
    followers = set(project.follows.values_list("user_id", flat=True)) - matched - team
    notify(
        followers,
        kind=Kind.CALL_FOLLOWED,
        title=_("« %(project)s » lance un appel : %(title)s") % words,
        body=call.time_asked,
        url=call.get_absolute_url(),
        actor=actor,
    )
    activity.record(
        territory_id=project.territory_id,
        kind=activity.Kind.CALL,
        actor=actor,
        excerpt=call.title,
        url=call.get_absolute_url(),
        project=project,
        target=(TargetKind.CALL, call.pk),
    )
    return call


def is_open(call: Call) -> bool:
    if call.status != Call.Status.OPEN:
        return False
    return call.closes_on is None or call.closes_on >= timezone.localdate()


def answer_call(*, actor, call_id: int, message: str) -> Response:
    call = Call.objects.select_related("project").filter(pk=call_id).first()
    if call is None:
        raise NotFound()
    if not (actor and actor.is_authenticated):
        raise Forbidden(_("Connectez-vous pour répondre à un appel."))
    if is_member(actor, call.project):
        raise Invalid(_("Vous faites déjà partie de l'équipe."))
    if not is_open(call):
        raise Conflict(_("Cet appel n'attend plus de réponse."))
    message = clean_text(message, max_length=MESSAGE_MAX, what=_("Le message"))
    try:
        with transaction.atomic():
            response = Response.objects.create(call=call, person=actor, message=message)
            notify(
                call.project.members.all(),
                kind=Kind.CALL_ANSWER,
                title=_("%(name)s répond à votre appel « %(title)s »")
                % {"name": actor.public_name, "title": call.title},
                body=message[:300],
                url=call.get_absolute_url(),
                actor=actor,
            )
            activity.record(
                territory_id=call.project.territory_id,
                kind=activity.Kind.ANSWER,
                actor=actor,
                excerpt=message,
                url=call.get_absolute_url(),
                project=call.project,
                target=(TargetKind.CALL, call.pk),
                detail=call.title,
            )
            return response
    except IntegrityError:
        raise Conflict(_("Votre réponse attend déjà la décision de l'équipe.")) from None


@transaction.atomic
def decide(*, actor, response_id: int, accept: bool) -> Response:
    """The team accepts (the person joins the team) or declines an answer, once."""
    response = (
        Response.objects.select_for_update(of=("self",))
        .select_related("call__project", "person")
        .filter(pk=response_id)
        .first()
    )
    if response is None:
        raise NotFound()
    project = response.call.project
    if not is_member(actor, project):
        raise Forbidden(_("Seule l'équipe du projet décide."))
    if response.status != Response.Status.PENDING:
        raise Conflict(_("Cette réponse a déjà reçu une décision."))
    response.status = Response.Status.ACCEPTED if accept else Response.Status.DECLINED
    response.answered_by = actor
    response.answered_at = timezone.now()
    response.save(update_fields=["status", "answered_by", "answered_at"])
    if accept:
        Membership.objects.get_or_create(project=project, user=response.person)
    words = {"project": project.title, "title": response.call.title}
    notify(
        [response.person],
        kind=Kind.CALL_DECISION,
        title=(
            _("Bienvenue dans l'équipe de « %(project)s » (appel « %(title)s »)")
            if accept
            else _("« %(project)s » ne retient pas votre réponse à « %(title)s »")
        )
        % words,
        url=project.get_absolute_url() if accept else response.call.get_absolute_url(),
        actor=actor,
    )
    return response


def set_status(*, actor, call_id: int, status: str) -> Call:
    call = Call.objects.select_related("project").filter(pk=call_id).first()
    if call is None:
        raise NotFound()
    if not is_member(actor, call.project):
        raise Forbidden(_("Seule l'équipe du projet change le statut de ses appels."))
    if status not in Call.Status.values:
        raise Invalid(_("Statut inconnu."))
    call.status = status
    call.save(update_fields=["status"])
    return call
