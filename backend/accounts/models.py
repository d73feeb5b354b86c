from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# Profile fields a member may show or hide on their public page.
PUBLIC_FIELD_CHOICES = [
    ("bio", _("Présentation")),
    ("neighbourhood", _("Quartier")),
    ("skills", _("Compétences")),
    ("themes", _("Thématiques")),
    ("links", _("Liens")),
    ("avatar", _("Photo")),
]
DEFAULT_PUBLIC_FIELDS = ["bio", "skills", "themes", "avatar"]
FORMER_MEMBER = _("ancien membre")


def _default_public_fields() -> list[str]:
    return list(DEFAULT_PUBLIC_FIELDS)


def avatar_path(user, filename: str) -> str:
    return f"avatars/{user.pk}/{filename}"


class User(AbstractUser):
    """A member of the platform: a person or an organisation, with its profile."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Personne")
        ASSOCIATION = "association", _("Association")
        COMPANY = "company", _("Entreprise")
        SCHOOL = "school", _("École ou établissement")
        PUBLIC_BODY = "public", _("Organisme public")
        PARTNER = "partner", _("Partenaire")

    email = models.EmailField(_("adresse e-mail"), unique=True)
    display_name = models.CharField(_("nom affiché"), max_length=80, blank=True)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    kind = models.CharField(
        _("type de compte"), max_length=12, choices=Kind.choices, default=Kind.PERSON
    )
    bio = models.TextField(_("présentation"), max_length=1000, blank=True)
    neighbourhood = models.ForeignKey(
        "territories.Neighbourhood",
        verbose_name=_("quartier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    skills = models.ManyToManyField(
        "territories.Skill", verbose_name=_("compétences"), blank=True, related_name="members"
    )
    themes = models.ManyToManyField(
        "territories.Theme", verbose_name=_("thématiques"), blank=True, related_name="members"
    )
    links = models.JSONField(_("liens"), default=list, blank=True)
    avatar = models.ImageField(_("photo"), upload_to=avatar_path, blank=True)
    public_fields = models.JSONField(_("champs publics"), default=_default_public_fields)
    email_confirmed_at = models.DateTimeField(_("adresse confirmée le"), null=True, blank=True)
    # A workshop guest: a pseudonym bound to one browser session, until they sign up.
    is_guest = models.BooleanField(_("invité d'atelier"), default=False)
    # Until when a moderator muted them (moderation.Mute keeps the history): read on every op.
    muted_until = models.DateTimeField(_("en sourdine jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")

    def __str__(self) -> str:
        return self.public_name

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", args=[self.username])

    @property
    def public_name(self) -> str:
        if not self.is_active and self.username.startswith("ancien-membre-"):
            return str(FORMER_MEMBER)
        return self.display_name or self.username

    @property
    def is_moderator(self) -> bool:
        return self.is_staff

    @property
    def is_organisation(self) -> bool:
        return self.kind != self.Kind.PERSON

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def shows(self, field: str) -> bool:
        return field in (self.public_fields or [])


class OrganisationMember(models.Model):
    """A person who acts for an organisation account."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("administrateur")
        MEMBER = "member", _("membre")

    organisation = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="organisation_members"
    )
    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="organisations")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person"], name="one_membership_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.organisation}"
