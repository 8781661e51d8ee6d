from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from audit.models import AUDITED


def kind_choices() -> list[tuple[str, str]]:
    named = [(label, apps.get_model(label)._meta.verbose_name_plural) for label in AUDITED]
    return [("", str(_("Every kind"))), *((label, str(name).capitalize()) for label, name in named)]


class HistoryFilter(forms.Form):
    """The history page's filter, also the API's query parameters."""

    kind = forms.ChoiceField(
        label=_("Kind of object"),
        choices=kind_choices,
        required=False,
        error_messages={"invalid_choice": _("Pick a kind of object from the list.")},
    )
