from django import forms
from django.utils.translation import gettext_lazy as _

from backend.needs.models import Need
from backend.needs.services import DESCRIPTION_MAX, TITLE_MAX
from backend.territories.models import Neighbourhood, Theme


class NeedForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Le besoin, pour qui, où, et ce qui aiderait."),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Thématiques"),
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Quartier"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        empty_label=_("Toute la ville"),
    )
    status = forms.ChoiceField(label=_("Statut"), choices=Need.Status.choices, required=False)


class AnswerForm(forms.Form):
    project = forms.TypedChoiceField(label=_("Votre projet"), coerce=int)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, p.title) for p in projects]
