"""What members type, checked the same way everywhere: services raise `Invalid` with a
sentence for people, and write nothing."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from realtime.errors import Invalid

MAX_LINKS = 5


def clean_text(value, *, max_length: int, what: str, required: bool = True) -> str:
    """`value` stripped; refused when empty (if required), too long or not a text."""
    if value is not None and not isinstance(value, str):
        raise Invalid(_("%(what)s doit être un texte.") % {"what": what})
    value = (value or "").strip()
    if required and not value:
        raise Invalid(_("%(what)s ne peut pas être vide.") % {"what": what})
    if len(value) > max_length:
        raise Invalid(
            _("%(what)s est trop long (%(n)s caractères au plus).")
            % {"what": what, "n": max_length}
        )
    return value


def clean_links(urls) -> list[dict]:
    """Web addresses (http or https), blank lines skipped, five at most."""
    links = []
    for url in urls or []:
        url = (url or "").strip()
        if not url:
            continue
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise Invalid(
                _("Ce lien n'est pas une adresse web valide : %(url)s") % {"url": url[:80]}
            ) from None
        links.append({"url": url[:300]})
    if len(links) > MAX_LINKS:
        raise Invalid(_("Cinq liens au plus."))
    return links
