"""Forms of the department's desk: benefit decisions, application search and the application actions
(manual stop-list and its lifting, withdrawal on the parent's written request), access-request decisions,
feedback answers.

None of them offers a field of the application, the child or the queue order: only a decision, its basis
(D1), a status or an answer (issue #6, "rules that no staff action can break")."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kezek.feedback.models import TEXT_MAX_LENGTH, Kind
from kezek.feedback.models import Status as FeedbackStatus

from .forms import BasisForm


class DecisionForm(BasisForm):
    """Confirm/approve or reject, with the decision's basis (D1; the services check it too)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    basis_help = _("At least three words; a rejection's reason is told to the applicant.")

    def __init__(self, *args: Any, approve_label: str | Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if approve_label is not None:
            decision = cast(forms.ChoiceField, self.fields["decision"])
            decision.choices = [("confirm", approve_label), ("reject", _("Reject"))]

    @property
    def confirm(self) -> bool:
        return self.cleaned_data["decision"] == "confirm"


class ApplicationNumberForm(forms.Form):
    """Find an application by its number (GET: a number is no personal data)."""

    number = forms.IntegerField(label=_("Application number"), min_value=1, max_value=2**31 - 1)


class IinSearchForm(forms.Form):
    """Find applications by a child's or an applicant's IIN (POST only: never an IIN in a URL)."""

    iin = forms.RegexField(
        label=_("IIN of the child or of the applicant"),
        regex=r"^\s*\d{12}\s*$",
        max_length=20,
        error_messages={"invalid": _("An IIN is 12 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class StopListForm(BasisForm):
    """A manual stop-listing (S2) and its basis (D1)."""

    basis_help = _("The category of the reason and the document number are public; the applicant is told.")


class RestoreForm(BasisForm):
    """Staff lift a stop-listing with its basis (D1)."""


class WithdrawForm(BasisForm):
    """A withdrawal on the parent's written request: its basis (D1) and scan."""

    basis_labels = (_("Number of the written request"), _("Date of the written request"), _("Reason"))
    document = forms.FileField(
        label=_("The parent's written request (scan)"),
        help_text=_("PDF or JPEG, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg"}),
    )


class FeedbackFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any")), *FeedbackStatus.choices]
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("any")), *Kind.choices])

    def __init__(self, *args: Any, corruption: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not corruption:
            kind = cast(forms.ChoiceField, self.fields["kind"])
            kinds = [(value, label) for value, label in Kind.choices if value != Kind.CORRUPTION]
            kind.choices = [("", _("any")), *kinds]


class FeedbackAnswerForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FeedbackStatus.choices)
    answer = forms.CharField(
        label=_("Answer"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text=_("Shown to anyone who has the reference number: no personal data."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
