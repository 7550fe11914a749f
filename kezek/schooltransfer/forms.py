"""Forms of the transfer to school: the guardian's consent, the school's receipt code, the departure to
school. The services check the rules again (E60–E66)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kezek.core import clock

from .models import SCHOOL_NAME_MAX


class ConsentForm(forms.Form):
    school_name = forms.CharField(
        label=_("School"),
        max_length=SCHOOL_NAME_MAX,
        help_text=_("The school the child will go to, e.g. “School-lyceum No. 12, Oskemen”."),
    )
    agree = forms.BooleanField(
        label=_(
            "I consent to the kindergarten giving the child's file summary and development card to this "
            "school."
        )
    )


class ReceiveForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        help_text=_("The code the kindergarten gave with the package, e.g. ABCD-EFGH-JKMN-PQRS."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class DepartForm(forms.Form):
    left_on = forms.DateField(
        label=_("Left on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=clock.today,
    )
