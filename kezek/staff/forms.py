from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kezek.core.errors import ValidationFailed
from kezek.discretion.basis import NUMBER_MAX, REASON_MAX, Basis


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


class BasisForm(forms.Form):
    """D1: the basis of a discretionary act — a document's number and date and a reason in words — checked
    as the services check it (`Basis.checked`), each refusal on its field. `basis_labels` renames the
    fields for a form whose document has a name (e.g. the head's order)."""

    basis_labels: tuple[Any, Any, Any] = (_("Document number"), _("Document date"), _("Reason"))
    basis_help = _("At least three words; the document number is public, the reason is kept for staff.")

    basis_number = forms.CharField(max_length=NUMBER_MAX)
    basis_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    basis_reason = forms.CharField(max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in zip(
            ("basis_number", "basis_date", "basis_reason"), self.basis_labels, strict=True
        ):
            self.fields[name].label = label
        self.fields["basis_reason"].help_text = self.basis_help

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            data["basis"] = Basis(
                document_number=data["basis_number"],
                document_date=data["basis_date"],
                reason=data["basis_reason"],
            ).checked()
        except ValidationFailed as exc:
            self.add_error(exc.code if exc.code in self.fields else None, str(exc.message))
        return data

    @property
    def basis(self) -> Basis:
        basis: Basis = self.cleaned_data["basis"]
        return basis
