"""Support requests between project teams and partners: the only writer of their rows."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.moderation import activity
from backend.partners import rules
from backend.partners.models import Offer, Partner, SupportRequest
from backend.projects.models import Project
from notifications.models import Kind
from notifications.services import notify
from realtime.errors import Conflict, Forbidden, Invalid, NotFound

MESSAGE_MAX = 2000


def _clean_message(text: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise Invalid(_("Écrivez quelques mots pour présenter votre demande."))
    if len(text) > MESSAGE_MAX:
        raise Invalid(
            _("Le message est trop long (%(n)s caractères au plus).") % {"n": MESSAGE_MAX}
        )
    return text


def request_support(
    *, actor, project_id: int, partner_id: int, step: str, message: str
) -> SupportRequest:
    """A project's team asks a partner for support at one step the partner offers."""
    project = Project.objects.filter(pk=project_id).first()
    partner = Partner.objects.filter(pk=partner_id).first()
    if project is None or partner is None:
        raise NotFound()
    if not rules.is_project_team(actor, project):
        raise Forbidden(_("Seule l'équipe du projet peut demander un accompagnement."))
    if not Offer.objects.filter(partner=partner, step=step).exists():
        raise Invalid(_("Ce partenaire ne propose pas cette étape de l'accompagnement."))
    message = _clean_message(message, required=True)
    try:
        with transaction.atomic():
            request = SupportRequest.objects.create(
                project=project, partner=partner, step=step, message=message, requested_by=actor
            )
            activity.record(
                territory_id=project.territory_id,
                kind=activity.Kind.SUPPORT,
                actor=actor,
                excerpt=message,
                url=project.get_absolute_url(),
                project=project,
                detail=partner.name,
            )
            return request
    except IntegrityError:
        raise Conflict(
            _("Une demande pour cette étape attend déjà la réponse de ce partenaire.")
        ) from None


@transaction.atomic
def answer_request(*, actor, request_id: int, accept: bool, answer: str = "") -> SupportRequest:
    """The partner accepts or declines a pending request, once."""
    request = (
        SupportRequest.objects.select_for_update(of=("self",))
        .select_related("partner", "project")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound()
    if not rules.manages(actor, request.partner):
        raise Forbidden(_("Seuls les représentants du partenaire peuvent répondre."))
    if request.status != SupportRequest.Status.PENDING:
        raise Conflict(_("Cette demande a déjà reçu une réponse."))
    request.status = SupportRequest.Status.ACCEPTED if accept else SupportRequest.Status.DECLINED
    request.answer = _clean_message(answer, required=False)
    request.answered_by = actor
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    words = {"partner": request.partner.name, "project": request.project.title}
    title = (
        _("%(partner)s accepte d'accompagner « %(project)s »")
        if accept
        else _("%(partner)s décline la demande de « %(project)s »")
    ) % words
    notify(
        request.project.members.all(),
        kind=Kind.SUPPORT_ANSWER,
        title=title,
        body=request.answer,
        url=request.project.get_absolute_url(),
        actor=actor,
    )
    return request
