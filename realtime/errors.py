"""Refusals a service can answer with.

Services raise them; HTTP views turn them into status codes and consumers into `error`
frames with the same `code`. The message is for people, already translated.
"""

from django.utils.translation import gettext_lazy as _


class Refused(Exception):
    code = "invalid"
    http_status = 400
    default_message = _("Cette action n'est pas valide.")

    def __init__(self, message=None):
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class Invalid(Refused):
    code = "invalid"
    http_status = 400


class Forbidden(Refused):
    code = "forbidden"
    http_status = 403
    default_message = _("Vous n'avez pas le droit de faire cela.")


class NotFound(Refused):
    code = "not_found"
    http_status = 404
    default_message = _("Cet élément n'existe pas ou plus.")


class Conflict(Refused):
    code = "conflict"
    http_status = 409
    default_message = _("Quelqu'un a modifié cet élément entre-temps.")


class Locked(Refused):
    code = "locked"
    http_status = 423
    default_message = _("Ce tableau est verrouillé : plus aucune modification n'est possible.")


class Muted(Refused):
    code = "muted"
    http_status = 403
    default_message = _("Vous ne pouvez pas écrire pour le moment.")
