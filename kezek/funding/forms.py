"""Back-office forms of funding: a rate, the terms, the month to run."""

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kezek.attendance.models import AbsenceReason
from kezek.facilities.models import Group, Organisation

MONTH_INPUT = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class MonthField(forms.DateField):
    """A month as YYYY-MM (the browser's month input) or its first day; always the first day."""

    widget = MONTH_INPUT
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        return day.replace(day=1) if day else None


class RateForm(forms.Form):
    ownership = forms.ChoiceField(label=_("Ownership"), choices=Organisation.Ownership.choices)
    group_kind = forms.ChoiceField(label=_("Group kind"), choices=Group.Kind.choices)
    stay_mode = forms.ChoiceField(label=_("Stay mode"), choices=Group.StayMode.choices)
    age_from = forms.IntegerField(label=_("Age from (years)"), min_value=0, max_value=7, initial=0)
    age_to = forms.IntegerField(label=_("Age to (years, exclusive)"), min_value=1, max_value=8, initial=8)
    amount = forms.DecimalField(label=_("Monthly normative, ₸"), max_digits=14, decimal_places=2, min_value=0)
    valid_from = MonthField(label=_("Valid from (month)"))
    decision_number = forms.CharField(label=_("Akimat decision number"), max_length=60)


class TermsForm(forms.Form):
    max_parent_fee = forms.DecimalField(
        label=_("Maximum parental fee, ₸ a month"), max_digits=14, decimal_places=2, min_value=0
    )
    paid_reasons = forms.MultipleChoiceField(
        label=_("Paid absence reasons"),
        choices=AbsenceReason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_from = MonthField(label=_("Valid from (month)"))
    decision_number = forms.CharField(label=_("Akimat decision number"), max_length=60)


class MonthForm(forms.Form):
    month = MonthField(label=_("Month"))
