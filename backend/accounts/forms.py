from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.utils.translation import gettext_lazy as _


class SignUpForm(UserCreationForm):
    class Meta:
        model = get_user_model()
        fields = ("username", "display_name", "email")
        labels = {"username": _("Identifiant"), "display_name": _("Nom affiché")}
        help_texts = {
            "username": _("Lettres, chiffres et @/./+/-/_ ; 150 caractères au plus."),
            "display_name": _("Le nom que les autres verront, par exemple « Awa D. »."),
        }

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Un compte existe déjà avec cette adresse."))
        return email


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Identifiant ou adresse e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def clean(self):
        # Accept the e-mail address in place of the username.
        identifier = self.cleaned_data.get("username", "")
        if "@" in identifier:
            user = get_user_model().objects.filter(email__iexact=identifier.strip()).first()
            if user is not None:
                self.cleaned_data["username"] = user.get_username()
        return super().clean()
