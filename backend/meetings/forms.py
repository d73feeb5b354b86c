from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.meetings.models import DESCRIPTION_MAX, PLACE_MAX, TITLE_MAX
from backend.meetings.services import CAPACITY_MAX
from backend.territories.models import Theme

LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


def _moment(label, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )


class Checkboxes(forms.CheckboxSelectMultiple):
    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        if option["index"] != "0":
            option["attrs"].pop("autofocus", None)  # one focus per page: the first box
        return option


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    starts_at = _moment(_("Date et heure de début"))
    ends_at = _moment(_("Date et heure de fin"), required=False)
    place = forms.CharField(
        label=_("Lieu"), max_length=PLACE_MAX, help_text=_("Une salle, une adresse.")
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Thématiques"),
        queryset=Theme.objects.all(),
        widget=Checkboxes,
        help_text=_("Les membres intéressés par l'une d'elles seront invités."),
    )
    capacity = forms.IntegerField(label=_("Nombre de places"), min_value=1, max_value=CAPACITY_MAX)

    def __init__(self, *args, past_start=None, **kwargs):
        # When editing a meeting already started, its (unchanged) start is accepted.
        self.past_start = past_start
        super().__init__(*args, **kwargs)

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        if starts_at <= timezone.now() and starts_at != self.past_start:
            raise forms.ValidationError(_("Cette date est déjà passée."))
        return starts_at

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("La fin doit venir après le début."))
        return data


class NewMeetingForm(MeetingForm):
    invite = forms.BooleanField(
        label=_("Inviter dès maintenant les membres intéressés"), required=False, initial=True
    )


def focus_first_error(form: forms.Form) -> None:
    """After a refused submit, the first field in error takes the focus (no script needed)."""
    for name in form.fields:
        if name in form.errors:
            form.fields[name].widget.attrs["autofocus"] = True
            return
