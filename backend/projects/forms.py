from django import forms
from django.utils.translation import gettext_lazy as _

from backend.needs.models import Need
from backend.projects.models import Stage
from backend.projects.services import DESCRIPTION_MAX, SUMMARY_MAX, TITLE_MAX
from backend.territories.models import Neighbourhood, Skill, Theme


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=TITLE_MAX)
    summary = forms.CharField(label=_("En une ligne"), max_length=SUMMARY_MAX, required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "En Markdown : **gras**, *italique*, listes avec des tirets, liens [texte](https://…)."
        ),
    )
    stage = forms.ChoiceField(label=_("Étape"), choices=Stage.choices, initial=Stage.IDEA)
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
    links = forms.CharField(
        label=_("Liens"),
        required=False,
        max_length=1600,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Un lien par ligne, cinq au plus."),
    )
    image = forms.ImageField(label=_("Image"), required=False)
    remove_image = forms.BooleanField(label=_("Retirer l'image"), required=False)


class NewProjectForm(ProjectForm):
    needs = forms.ModelMultipleChoiceField(
        label=_("Besoins du territoire auxquels il répond"),
        queryset=Need.objects.exclude(status=Need.Status.CLOSED),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ProjectFilters(forms.Form):
    """The list's filters and sorting, from the query string."""

    SORTS = [
        ("recent", _("Les plus récents")),
        ("title", _("Par titre")),
        ("followed", _("Les plus suivis")),
        ("stage", _("Par étape")),
    ]
    q = forms.CharField(label=_("Mots"), required=False, max_length=100)
    theme = forms.ModelChoiceField(
        label=_("Thématique"),
        queryset=Theme.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes"),
    )
    stage = forms.ChoiceField(
        label=_("Étape"), choices=[("", _("Toutes")), *Stage.choices], required=False
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Quartier"),
        queryset=Neighbourhood.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Tous"),
    )
    need = forms.ModelChoiceField(
        label=_("Répond au besoin"),
        queryset=Need.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Tous"),
    )
    skill = forms.ModelChoiceField(
        label=_("Cherche la compétence"),
        queryset=Skill.objects.filter(is_managed=True),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes"),
    )
    sort = forms.ChoiceField(label=_("Trier"), choices=SORTS, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The list writes its selects itself (projects/list.html): each list of choices is
        # read once, in one query (list() or a template's loop would also ask for a COUNT).
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.choices = [choice for choice in field.choices]


class InviteForm(forms.Form):
    identifier = forms.CharField(label=_("Identifiant ou adresse e-mail"), max_length=254)
