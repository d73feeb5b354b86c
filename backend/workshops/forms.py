from django import forms
from django.utils.translation import gettext_lazy as _

from backend.territories.models import Neighbourhood, Theme
from backend.workshops.services import MAX_TABLES, PSEUDONYM_MAX


class WorkshopForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=120)
    starts_at = forms.DateTimeField(
        label=_("Date et heure"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Lieu"), max_length=120, required=False)
    question = forms.CharField(label=_("La question posée"), max_length=300)
    tables = forms.IntegerField(label=_("Nombre de tables"), min_value=1, max_value=MAX_TABLES)
    votes_per_participant = forms.IntegerField(
        label=_("Votes par participant"), min_value=0, max_value=20, initial=3
    )
    hidden_until_reveal = forms.BooleanField(
        label=_("Cacher les cartes des autres jusqu'à la révélation"), required=False
    )
    guests_allowed = forms.BooleanField(
        label=_("Accepter des invités sans compte"), required=False, initial=True
    )
    grouping_by_facilitator_only = forms.BooleanField(
        label=_("Seul l'animateur ou l'animatrice regroupe les cartes"),
        help_text=_("Sinon, chaque table regroupe elle-même ses idées."),
        required=False,
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Thématiques"),
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


TIMER_CHOICES = [(60, "1 min"), (120, "2 min"), (180, "3 min"), (300, "5 min"), (600, "10 min")]
TIMER_CHOICES += [(900, "15 min"), (1200, "20 min"), (1800, "30 min")]


class TimerForm(forms.Form):
    seconds = forms.TypedChoiceField(label=_("Durée"), coerce=int, choices=TIMER_CHOICES)
    table = forms.IntegerField(required=False, min_value=1)


class GuestForm(forms.Form):
    pseudonym = forms.CharField(
        label=_("Votre pseudonyme"),
        max_length=PSEUDONYM_MAX,
        help_text=_("Le nom que verront les autres à votre table."),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Votre quartier (facultatif)"),
        queryset=Neighbourhood.objects.all(),
        required=False,
    )
    table = forms.TypedChoiceField(label=_("Table"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, tables=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Où il reste de la place"))]
        self.fields["table"].choices = choices + [
            (t.number, _("Table %(n)s") % {"n": t.number}) for t in tables
        ]


class ProposalForm(forms.Form):
    """Which proposal to give a follow-up: a card, or a group of cards (hidden fields)."""

    card = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    group = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    back = forms.ChoiceField(
        choices=[("results", "results"), ("console", "console")],
        required=False,
        widget=forms.HiddenInput,
    )
