from django import forms
from django.utils.translation import gettext_lazy as _

from backend.partners.services import MESSAGE_MAX


class SupportRequestForm(forms.Form):
    """A team asks this partner for support: which project, which step, why."""

    project = forms.TypedChoiceField(label=_("Projet"), coerce=int)
    step = forms.ChoiceField(label=_("Étape de l'accompagnement"))
    message = forms.CharField(
        label=_("Votre demande"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Où en est le projet, ce que vous attendez de ce partenaire."),
    )

    def __init__(self, *args, projects, offers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, p.title) for p in projects]
        self.fields["step"].choices = [(o.step, o.get_step_display()) for o in offers]


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accepter")), ("decline", _("Décliner"))],
        widget=forms.HiddenInput,
    )
    answer = forms.CharField(
        label=_("Réponse (facultative)"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
