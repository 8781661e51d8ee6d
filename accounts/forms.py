from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, User
from accounts.tokens import DEFAULT_LIFETIME, LIFETIMES


class LoginForm(AllauthLoginForm):
    """allauth's login form, posting the username as `username` as the login page always has
    (password managers and scripts fill that name in)."""

    def add_prefix(self, field_name: str) -> str:
        return "username" if field_name == "login" else super().add_prefix(field_name)


class PreferencesForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["language"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("Where the token is used, such as “nightly import”."),
    )
    lifetime_days = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        choices=[(days, label) for days, label in LIFETIMES.items()],
        initial=DEFAULT_LIFETIME,
    )
