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
    user = PersonChoiceField(
        label=_("Whose digest"),
        queryset=digest_recipients(),
        empty_label=_("Pick a person"),
        error_messages={
            "required": _("Pick the person whose digest you want to see."),
            "invalid_choice": _("That person gets no digest; pick someone from the list."),
        },
    )
