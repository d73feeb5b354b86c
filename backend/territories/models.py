from django.db import models
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
