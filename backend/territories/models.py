from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Territory(models.Model):
    """A town and its surroundings: the frame in which members, projects and boards live."""

    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(unique=True)

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A theme of the territory's life (solidarité, environnement…): projects, needs,
    partners and members are gathered by theme."""

    name = models.CharField(_("nom"), max_length=80, unique=True)
    slug = models.SlugField(unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("thématique")
        verbose_name_plural = _("thématiques")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("themes:detail", args=[self.slug])


class Neighbourhood(models.Model):
    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="neighbourhoods"
    )
    name = models.CharField(_("nom"), max_length=80)
    slug = models.SlugField()

    class Meta:
        ordering = ["name"]
        verbose_name = _("quartier")
        verbose_name_plural = _("quartiers")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "slug"], name="one_neighbourhood_slug_per_territory"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    """A skill members offer and calls for skills seek. The managed list is curated by the
    moderators; members may add free ones, which moderators can adopt into the list."""

    name = models.CharField(_("nom"), max_length=60)
    slug = models.SlugField(unique=True)
    is_managed = models.BooleanField(_("dans la liste gérée"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")

    def __str__(self) -> str:
        return self.name
