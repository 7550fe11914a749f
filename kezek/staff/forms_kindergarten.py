"""Forms of the kindergarten's back-office: enrol from a direction, a departure, a staff child (P7).

They offer only what the services take: no field of a child, an application or a direction's validity."""

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.records.models import DepartureReason

from .forms import BasisForm


def _date_field(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs
    )


def _not_future(value: dt.date) -> dt.date:
    if value > clock.today():
        raise forms.ValidationError(_("The date cannot be in the future."), code="date_future")
    return value


class EnrolForm(forms.Form):
    enrolled_on = _date_field(_("Enrolled on"), help_text=_("Not in the future, not before the direction."))

    def clean_enrolled_on(self) -> dt.date:
        return _not_future(self.cleaned_data["enrolled_on"])


class DepartForm(forms.Form):
    left_on = _date_field(_("Left on"), help_text=_("Not in the future, not before the enrolment."))
    reason_code = forms.ChoiceField(
        label=_("Reason of leaving, from the list"),
        choices=DepartureReason.choices,
        required=False,  # not given: "other" (E8)
        initial=DepartureReason.OTHER,
        help_text=_("The child's file is closed with it and archived."),
    )
    reason = forms.CharField(
        label=_("Reason of leaving"),
        min_length=3,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The place is published for the queue at once."),
    )

    def clean_left_on(self) -> dt.date:
        return _not_future(self.cleaned_data["left_on"])


class StaffChildForm(BasisForm):
    """P7: a child of the kindergarten's staff, outside the queue, by the head's written order (D1 basis)."""

    basis_labels = (
        _("Number of the head's order"),
        _("Date of the head's order"),
        _("Reason given in the order"),
    )
    basis_help = _("The enrolment and the order's number are marked publicly in the protocol of directions.")

    child_iin = forms.RegexField(
        label=_("Child's IIN"),
        regex=r"^\s*\d{12}\s*$",
        max_length=14,
        error_messages={"invalid": _("Enter the 12 digits of the IIN.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    enrolled_on = _date_field(_("Enrolled on"))
    field_order = ["child_iin", "basis_number", "basis_date", "basis_reason", "enrolled_on"]

    def clean_enrolled_on(self) -> dt.date:
        return _not_future(self.cleaned_data["enrolled_on"])
