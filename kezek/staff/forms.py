from django import forms
from django.utils.translation import gettext_lazy as _


class StaffLoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), max_length=128, strip=False, widget=forms.PasswordInput)


class TotpForm(forms.Form):
    token = forms.RegexField(
        label=_("Code from the authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the 6 digits the app shows.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
