"""The partners of the ecosystem and what they offer at each step of the support chain."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class SupportStep(models.TextChoices):
    """The steps of the support chain a partner can accompany a project through."""

    TEST = "test", _("Test du projet")
    TRAINING = "formation", _("Formation")
    INCUBATION = "incubation", _("Incubation")
    HOSTING = "hebergement", _("Coworking et hébergement")
    FUNDING = "financement", _("Financement")
    GUARANTEE = "garantie", _("Garantie de prêt")
    MICRODONATION = "micro-don", _("Micro-don")


class Partner(models.Model):
    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.PROTECT, related_name="partners"
    )
    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(unique=True)
    summary = models.CharField(_("en une ligne"), max_length=200)
    description = models.TextField(_("présentation"), blank=True)
    website = models.URLField(_("site web"), blank=True)
    themes = models.ManyToManyField(
        "territories.Theme", verbose_name=_("thématiques"), blank=True, related_name="partners"
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("comptes qui le représentent"),
        blank=True,
        related_name="managed_partners",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partners:detail", args=[self.slug])


class Offer(models.Model):
    """What a partner offers at one step of the chain."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="offers")
    step = models.CharField(_("étape"), max_length=20, choices=SupportStep.choices)
    description = models.CharField(_("ce qui est proposé"), max_length=300)

    class Meta:
        ordering = ["partner__name", "step"]
        verbose_name = _("offre d'accompagnement")
        verbose_name_plural = _("offres d'accompagnement")
        constraints = [
            models.UniqueConstraint(fields=["partner", "step"], name="one_offer_per_step")
        ]
        indexes = [models.Index(fields=["step", "partner"])]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_step_display()}"


class SupportRequest(models.Model):
    """A project team asks a partner for support at a step; the partner answers."""

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        ACCEPTED = "accepted", _("acceptée")
        DECLINED = "declined", _("déclinée")

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="support_requests"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="support_requests")
    step = models.CharField(_("étape"), max_length=20, choices=SupportStep.choices)
    message = models.TextField(_("message"), max_length=2000)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="support_requests_sent",
    )
    answer = models.TextField(_("réponse"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_requests_answered",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demande d'accompagnement")
        verbose_name_plural = _("demandes d'accompagnement")
        constraints = [
            # One open request per project, partner and step: asking again waits for an answer.
            models.UniqueConstraint(
                fields=["project", "partner", "step"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_step",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} → {self.partner} ({self.get_step_display()})"
