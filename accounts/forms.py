from django import forms

from accounts.models import User


class PreferencesForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["language"]
