"""Members' accounts: profile, e-mail confirmation, organisations, data export, deletion."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts import avatars
from backend.accounts.models import FORMER_MEMBER, PUBLIC_FIELD_CHOICES, OrganisationMember
from backend.moderation import activity
from backend.territories.models import Skill, Territory
from backend.territories.slugs import unique_slug
from backend.validation import clean_links
from realtime.errors import Forbidden, Invalid, NotFound

CONFIRM_SALT = "accounts.confirm-email"
CONFIRM_MAX_AGE = 3 * 24 * 3600
MAX_FREE_SKILLS = 10


# Profile ---------------------------------------------------------------------------------


def free_skills(names: list[str]) -> list[Skill]:
    """The skills a member typed that are not in the managed list (created if new)."""
    skills = []
    for name in names[: MAX_FREE_SKILLS + 1]:
        name = " ".join(name.split())[:60]
        if not name:
            continue
        skill = Skill.objects.filter(name__iexact=name).first()
        if skill is None:
            skill = Skill.objects.create(name=name, slug=unique_slug(Skill, name))
        skills.append(skill)
    if len(skills) > MAX_FREE_SKILLS:
        raise Invalid(_("Dix compétences libres au plus."))
    return skills


@transaction.atomic
def register_member(*, user):
    """A new member (or a workshop guest signing up: their cards stay theirs) joins the town's
    territory; its moderators see them arrive."""
    user.is_guest = False
    if user.territory_id is None:
        user.territory = Territory.objects.order_by("pk").first()
    user.save()
    activity.record(
        territory_id=user.territory_id,
        kind=activity.Kind.MEMBER,
        actor=user,
        excerpt=user.public_name,
        url=user.get_absolute_url(),
        target=("profile", user.pk),
    )
    return user


@transaction.atomic
def update_profile(
    *,
    actor,
    user_id: int,
    display_name: str,
    kind: str,
    bio: str = "",
    neighbourhood=None,
    skills=(),
    themes=(),
    links=(),
    public_fields=(),
    avatar=None,
    remove_avatar: bool = False,
):
    user = get_user_model().objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound()
    if actor is None or actor.pk != user.pk:
        raise Forbidden(_("On ne modifie que son propre profil."))
    display_name = " ".join((display_name or "").split())
    if not display_name or len(display_name) > 80:
        raise Invalid(_("Le nom affiché doit compter de 1 à 80 caractères."))
    if kind not in user.Kind.values:
        raise Invalid(_("Type de compte inconnu."))
    if len(bio or "") > 1000:
        raise Invalid(_("La présentation est trop longue (1 000 caractères au plus)."))
    allowed = {value for value, _label in PUBLIC_FIELD_CHOICES}
    user.display_name = display_name
    user.kind = kind
    user.bio = (bio or "").strip()
    user.neighbourhood = neighbourhood
    user.links = clean_links(links)
    user.public_fields = [f for f in public_fields if f in allowed]
    if remove_avatar and user.avatar:
        user.avatar.delete(save=False)
    if avatar is not None:
        processed = avatars.process(avatar)
        if user.avatar:
            user.avatar.delete(save=False)
        user.avatar.save(processed.name, processed, save=False)
    user.save()
    user.skills.set(skills)
    user.themes.set(themes)
    return user


# E-mail confirmation -------------------------------------------------------------------------


def confirmation_token(user) -> str:
    return signing.dumps({"user": user.pk, "email": user.email}, salt=CONFIRM_SALT)


def send_confirmation(user, *, base_url: str) -> None:
    link = base_url + reverse("accounts:confirm", args=[confirmation_token(user)])
    context = {"user": user, "link": link}
    send_mail(
        _("Confirmez votre adresse e-mail"),
        render_to_string("accounts/email/confirm.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


def confirm_email(token: str):
    """The member whose address the token confirms (once; a changed address voids it)."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise Invalid(_("Ce lien a expiré : demandez-en un nouveau depuis votre profil.")) from None
    except signing.BadSignature:
        raise Invalid(_("Ce lien de confirmation n'est pas valide.")) from None
    user = get_user_model().objects.filter(pk=data.get("user"), is_active=True).first()
    if user is None or user.email != data.get("email"):
        raise Invalid(_("Ce lien de confirmation n'est pas valide."))
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    return user


def can_publish(user) -> bool:
    """Publishing (a project, a call for skills) waits for a confirmed e-mail address."""
    return user is not None and user.is_authenticated and user.email_confirmed


# Organisations ---------------------------------------------------------------------------


def _is_admin(actor, organisation) -> bool:
    return (
        actor.pk == organisation.pk
        or OrganisationMember.objects.filter(
            organisation=organisation, person=actor, role=OrganisationMember.Role.ADMIN
        ).exists()
    )


def add_organisation_member(*, actor, organisation_id: int, identifier: str, admin: bool = False):
    User = get_user_model()
    organisation = User.objects.filter(pk=organisation_id).first()
    if organisation is None or not organisation.is_organisation:
        raise NotFound()
    if not _is_admin(actor, organisation):
        raise Forbidden(_("Seuls les administrateurs de l'organisation ajoutent des membres."))
    identifier = (identifier or "").strip()
    person = (
        User.objects.filter(is_active=True)
        .filter(
            **({"email__iexact": identifier} if "@" in identifier else {"username": identifier})
        )
        .first()
    )
    if person is None or person.is_organisation:
        raise Invalid(_("Aucune personne inscrite avec cet identifiant ou cette adresse."))
    role = OrganisationMember.Role.ADMIN if admin else OrganisationMember.Role.MEMBER
    membership, _created = OrganisationMember.objects.update_or_create(
        organisation=organisation, person=person, defaults={"role": role}
    )
    return membership


def remove_organisation_member(*, actor, organisation_id: int, person_id: int) -> None:
    membership = (
        OrganisationMember.objects.select_related("organisation")
        .filter(organisation_id=organisation_id, person_id=person_id)
        .first()
    )
    if membership is None:
        raise NotFound()
    if actor.pk != person_id and not _is_admin(actor, membership.organisation):
        raise Forbidden(_("Seuls les administrateurs de l'organisation retirent des membres."))
    membership.delete()


# The member's data -----------------------------------------------------------------------


def export_data(user) -> dict:
    """Everything the platform holds about a member, as JSON-ready data."""
    from backend.partners.models import SupportRequest
    from boards.models import Card, Vote

    def when(value):
        return value.isoformat() if value else None

    return {
        "profile": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "email_confirmed_at": when(user.email_confirmed_at),
            "kind": user.kind,
            "bio": user.bio,
            "neighbourhood": user.neighbourhood.name if user.neighbourhood else None,
            "skills": [s.name for s in user.skills.all()],
            "themes": [t.name for t in user.themes.all()],
            "links": user.links,
            "public_fields": user.public_fields,
            "avatar": user.avatar.url if user.avatar else None,
            "date_joined": when(user.date_joined),
            "last_login": when(user.last_login),
        },
        "organisations": [
            {"organisation": m.organisation.public_name, "role": m.role}
            for m in user.organisations.select_related("organisation")
        ],
        "projects": [
            {"title": m.project.title, "url": m.project.get_absolute_url(), "role": m.role}
            for m in user.memberships.select_related("project")
        ],
        "cards": [
            {
                "board": card.board.title,
                "text": card.text,
                "created_at": when(card.created_at),
                "deleted": card.deleted_at is not None,
            }
            for card in Card.objects.filter(author=user).select_related("board")
        ],
        "votes": [
            {"board": vote.card.board.title, "card": vote.card.text}
            for vote in Vote.objects.filter(voter=user).select_related("card__board")
        ],
        "support_requests": [
            {
                "project": r.project.title,
                "partner": r.partner.name,
                "step": r.step,
                "message": r.message,
                "status": r.status,
                "created_at": when(r.created_at),
            }
            for r in SupportRequest.objects.filter(requested_by=user).select_related(
                "project", "partner"
            )
        ],
        "messages": [],
        "notifications": [],
    }


@transaction.atomic
def delete_account(*, actor, password: str) -> None:
    """Personal data goes; what the member wrote stays for the others, signed « ancien
    membre » — in the pages and in the live streams' logs alike."""
    from realtime.models import Event

    User = get_user_model()
    user = User.objects.select_for_update().get(pk=actor.pk)
    if not user.check_password(password or ""):
        raise Invalid(_("Mot de passe incorrect."))
    if user.owned_projects.exists():
        raise Invalid(_("Transmettez d'abord vos projets à un autre membre de leur équipe."))
    if user.avatar:
        user.avatar.delete(save=False)
    user.username = f"ancien-membre-{user.pk}"
    user.email = f"ancien-membre-{user.pk}@invalid.invalid"
    user.display_name = ""
    user.first_name = user.last_name = ""
    user.bio = ""
    user.links = []
    user.neighbourhood = None
    user.public_fields = []
    user.is_active = False
    user.set_unusable_password()
    user.save()
    user.skills.clear()
    user.themes.clear()
    user.organisations.all().delete()
    from django.db.models import Q

    signed = Q(actor__id=user.pk) | Q(data__card__author__id=user.pk)
    for event in Event.objects.filter(signed).only("id", "actor", "data"):
        event.actor = _unsigned(event.actor, user.pk)
        event.data = _unsigned(event.data, user.pk)
        event.save(update_fields=["actor", "data"])


def _unsigned(value, pk: int):
    """`value` with every {"id": pk, "name": …} in it renamed « ancien membre »."""
    if isinstance(value, dict):
        if value.get("id") == pk and "name" in value:
            return {**value, "name": str(FORMER_MEMBER)}
        return {key: _unsigned(item, pk) for key, item in value.items()}
    if isinstance(value, list):
        return [_unsigned(item, pk) for item in value]
    return value
