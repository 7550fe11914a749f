"""Forms of the child's file (back-office): the contract, a document, the health notes. They offer only
what the services take; the services check the rules again (E3–E6)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MEDICAL_KINDS, DocumentKind
from .services import CONTRACT_NUMBER_MAX, MONTHLY_FEE_MAX, NOTE_MAX


def _date(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs
    )


class ContractForm(forms.Form):
    number = forms.CharField(label=_("Contract number"), max_length=CONTRACT_NUMBER_MAX)
    signed_on = _date(_("Contract date"))
    monthly_fee = forms.DecimalField(
        label=_("Monthly fee, tenge"), min_value=0, max_value=MONTHLY_FEE_MAX, decimal_places=2, max_digits=10
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type of document"), choices=DocumentKind.choices)
    issued_on = _date(_("Issued on"))
    valid_until = _date(_("Valid until"), required=False, help_text=_("Leave empty when it has no end."))
    document = forms.FileField(label=_("File"), help_text=_("A PDF or JPEG file of at most 5 MB."))
    replaces = forms.TypedChoiceField(label=_("Replaces"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, medical: bool, replaceable: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [(v, label) for v, label in DocumentKind.choices if medical or v not in MEDICAL_KINDS]
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        self.fields["replaces"].choices = [("", _("— a new document —")), *replaceable]  # type: ignore[attr-defined]


class HealthForm(forms.Form):
    allergies = forms.CharField(
        label=_("Allergies"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    diet = forms.CharField(
        label=_("Diet"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    restrictions = forms.CharField(
        label=_("Restrictions"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
