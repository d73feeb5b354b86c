from django import forms
from django.utils.translation import gettext_lazy as _

from boards.models import BOARD_TITLE_MAX, CARD_TEXT_MAX, CardColor


class CardForm(forms.Form):
    column = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Votre idée"), max_length=CARD_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    color = forms.ChoiceField(label=_("Couleur"), choices=CardColor.choices, required=False)


class BoardForm(forms.Form):
    title = forms.CharField(label=_("Titre du tableau"), max_length=BOARD_TITLE_MAX)
    votes_per_person = forms.IntegerField(
        label=_("Votes par personne"), min_value=0, max_value=100, initial=5
    )
    is_public = forms.BooleanField(label=_("Visible par tous"), required=False, initial=True)
