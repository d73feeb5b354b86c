"""The needs of the territory, published by the town, and the projects that answer them."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Need(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("ouvert")
        ANSWERED = "answered", _("en réponse")
        CLOSED = "closed", _("clos")

    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.PROTECT, related_name="needs"
    )
    title = models.CharField(_("titre"), max_length=120)
    slug = models.SlugField(unique=True)
    description = models.TextField(_("description"), max_length=5000)
    themes = models.ManyToManyField(
        "territories.Theme", verbose_name=_("thématiques"), blank=True, related_name="needs"
    )
    neighbourhood = models.ForeignKey(
        "territories.Neighbourhood",
        verbose_name=_("quartier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs",
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="needs"
    )
    projects = models.ManyToManyField(
        "projects.Project", through="Answer", related_name="needs_answered", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("besoin")
        verbose_name_plural = _("besoins")
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("needs:detail", args=[self.slug])


class Answer(models.Model):
    """A project declared by its owner as answering a need."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="answers")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="need_answers"
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-declared_at"]
        constraints = [
            models.UniqueConstraint(fields=["need", "project"], name="one_answer_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.project} → {self.need}"
