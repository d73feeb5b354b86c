from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """The support chain, from the idea to the project that grows."""

    IDEA = "idee", _("Idée")
    EMERGENCE = "emergence", _("Émergence")
    TEST = "test", _("Test")
    FUNDING = "financement", _("Financement")
    LAUNCH = "lancement", _("Lancement")
    GROWTH = "developpement", _("Développement")


def project_image_path(project, filename: str) -> str:
    return f"projects/{project.pk}/{filename}"


class Project(models.Model):
    """A project with a social impact, its team and the stage it has reached."""

    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.PROTECT, related_name="projects"
    )
    title = models.CharField(_("titre"), max_length=120)
    slug = models.SlugField(unique=True)
    summary = models.CharField(_("résumé en une ligne"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=20000, blank=True)
    image = models.ImageField(_("image"), upload_to=project_image_path, blank=True)
    stage = models.CharField(_("étape"), max_length=15, choices=Stage.choices, default=Stage.IDEA)
    themes = models.ManyToManyField(
        "territories.Theme", verbose_name=_("thématiques"), blank=True, related_name="projects"
    )
    neighbourhood = models.ForeignKey(
        "territories.Neighbourhood",
        verbose_name=_("quartier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
    )
    links = models.JSONField(_("liens"), default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_projects"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="projects"
    )
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Follow", related_name="followed_projects"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        indexes = [
            models.Index(fields=["-created_at"], name="project_newest"),
            models.Index(fields=["stage", "-created_at"], name="project_stage_newest"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.slug])


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("porteur")
        MEMBER = "member", _("membre")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.project} ({self.role})"


class Invitation(models.Model):
    """The owner invites someone into the team; they accept or decline."""

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        ACCEPTED = "accepted", _("acceptée")
        DECLINED = "declined", _("déclinée")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    invited = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "invited"],
                condition=models.Q(status="pending"),
                name="one_pending_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invited} → {self.project} ({self.status})"


class Follow(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_follow_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} suit {self.project}"
