from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from digests.selectors import digest_recipients


class DigestEmailForm(forms.Form):
    email = forms.TypedChoiceField(
        label=_("Weekly email"),
        choices=[("on", _("On")), ("off", _("Off"))],
        coerce=lambda value: value == "on",
    )


class PersonChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class PreviewForm(forms.Form):
    """Whose digest a manager wants to see, and where: on its page or in their inbox."""

    ON_PAGE, BY_EMAIL = "page", "email"

    user = PersonChoiceField(
        label=_("Whose digest"),
        queryset=digest_recipients(),
        empty_label=_("Pick a person"),
        error_messages={
            "required": _("Pick the person whose digest you want to see."),
            "invalid_choice": _("That person gets no digest; pick someone from the list."),
        },
    )
    # The button pressed; a request without one (a script's) asks for the email, as before.
    show = forms.ChoiceField(
        choices=[(ON_PAGE, _("Show it here")), (BY_EMAIL, _("Email it to me"))], required=False
    )

    def clean_show(self) -> str:
        return self.cleaned_data["show"] or self.BY_EMAIL
