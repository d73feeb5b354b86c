"""Calls for skills (« appels à compétences »): a project asks for help, people answer."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Call(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("ouvert")
        FILLED = "filled", _("pourvu")
        CLOSED = "closed", _("clos")

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="calls")
    title = models.CharField(_("titre"), max_length=120)
    description = models.TextField(_("de quoi s'agit-il"), max_length=3000)
    skills = models.ManyToManyField(
        "territories.Skill", verbose_name=_("compétences recherchées"), related_name="calls"
    )
    time_asked = models.CharField(_("temps demandé"), max_length=120)
    place = models.CharField(_("lieu"), max_length=120, blank=True)
    remote = models.BooleanField(_("possible à distance"), default=False)
    closes_on = models.DateField(_("date de clôture"), null=True, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("appel à compétences")
        verbose_name_plural = _("appels à compétences")
        indexes = [models.Index(fields=["status", "-created_at"], name="call_open_newest")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("calls:detail", args=[self.pk])


class Response(models.Model):
    """Someone answers a call; the team accepts (they join the team) or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        ACCEPTED = "accepted", _("acceptée")
        DECLINED = "declined", _("déclinée")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="responses")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_responses"
    )
    message = models.TextField(_("message"), max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "person"],
                condition=models.Q(status="pending"),
                name="one_pending_response_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.call}"
