from django import forms
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import PUBLIC_FIELD_CHOICES, User
from backend.territories.models import Neighbourhood, Skill, Theme


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Nom affiché"), max_length=80)
    kind = forms.ChoiceField(label=_("Je suis"), choices=User.Kind.choices)
    bio = forms.CharField(
        label=_("Présentation"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Quartier"), queryset=Neighbourhood.objects.all(), required=False
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Compétences"),
        queryset=Skill.objects.filter(is_managed=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_skills = forms.CharField(
        label=_("Autres compétences"),
        required=False,
        max_length=600,
        help_text=_("Séparées par des virgules, par exemple : couture, vidéo."),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Thématiques qui vous intéressent"),
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    links = forms.CharField(
        label=_("Liens"),
        required=False,
        max_length=1600,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Un lien par ligne (site, réseau social), cinq au plus."),
    )
    avatar = forms.ImageField(label=_("Photo"), required=False)
    remove_avatar = forms.BooleanField(label=_("Retirer la photo"), required=False)
    public_fields = forms.MultipleChoiceField(
        label=_("Visible par tous sur ma page"),
        choices=PUBLIC_FIELD_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def other_skill_names(self) -> list[str]:
        managed = {s.name.lower() for s in self.cleaned_data["skills"]}
        names = [n.strip() for n in self.cleaned_data["other_skills"].split(",")]
        return [n for n in names if n and n.lower() not in managed]


class OrganisationMemberForm(forms.Form):
    identifier = forms.CharField(label=_("Identifiant ou adresse e-mail"), max_length=254)
    admin = forms.BooleanField(label=_("Administrateur"), required=False)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
