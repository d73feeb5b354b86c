from django import forms
from django.utils.translation import gettext_lazy as _

from backend.calls.services import DESCRIPTION_MAX, MESSAGE_MAX, TITLE_MAX
from backend.territories.models import Neighbourhood, Skill, Theme


class CallForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("De quoi s'agit-il ?"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Compétences recherchées"),
        queryset=Skill.objects.filter(is_managed=True),
        widget=forms.CheckboxSelectMultiple,
    )
    time_asked = forms.CharField(
        label=_("Temps demandé"),
        max_length=120,
        help_text=_("Par exemple : 2 h par semaine, un samedi."),
    )
    place = forms.CharField(label=_("Lieu"), max_length=120, required=False)
    remote = forms.BooleanField(label=_("Possible à distance"), required=False)
    closes_on = forms.DateField(
        label=_("Date de clôture"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class AnswerForm(forms.Form):
    message = forms.CharField(
        label=_("Votre réponse"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce que vous savez faire, vos disponibilités."),
    )


class CallFilters(forms.Form):
    skill = forms.ModelChoiceField(
        label=_("Compétence"),
        queryset=Skill.objects.filter(is_managed=True),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes"),
    )
    theme = forms.ModelChoiceField(
        label=_("Thématique"),
        queryset=Theme.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes"),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Quartier"),
        queryset=Neighbourhood.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Tous"),
    )
