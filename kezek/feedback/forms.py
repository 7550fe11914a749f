"""The complaint/suggestion form and the status look-up. Field formats are checked here with the shared
validators; the cross-field rules (an organisation for a complaint about one, contacts unless a corruption
report) are the service's, and the view puts its errors on the right field."""

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kezek.core.errors import ValidationFailed
from kezek.core.phones import MAX_INPUT_LENGTH, normalize_phone
from kezek.facilities import selectors as facilities
from kezek.facilities.models import Locality, Organisation

from .models import NAME_MAX_LENGTH, TEXT_MAX_LENGTH, Kind
from .selectors import reference_normalised
from .services import FeedbackInput, feedback_problems


class RadioGroup(forms.RadioSelect):
    """Radios whose group id goes on the shared include's <fieldset> (the target of the error summary's
    link) instead of on the inner <div>, so the link works and no id is repeated."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        if index is None:
            return id_ or ""
        return super().id_for_label(id_, index)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"] = {k: v for k, v in context["widget"]["attrs"].items() if k != "id"}
        return context


class OrganisationChoiceField(forms.ModelChoiceField[Organisation]):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is your message about?"), choices=Kind.choices, widget=RadioGroup)
    organisation = OrganisationChoiceField(
        label=_("Preschool organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("— choose —"),
        help_text=_("Required for a complaint about a preschool organisation."),
    )
    text = forms.CharField(
        label=_("Your message"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=lazy(
            lambda: (
                gettext("Describe what happened, when and where. At most %(max)d characters.")
                % {"max": TEXT_MAX_LENGTH}
            ),
            str,
        )(),
    )
    contact_name = forms.CharField(
        label=_("Your name"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("Not required for a report of corruption."),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=MAX_INPUT_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("For the answer, for example +7 701 234 56 78. Not required for a report of corruption."),
    )

    def __init__(self, *args: Any, locality: Locality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locality = locality
        field = self.fields["organisation"]
        if isinstance(field, OrganisationChoiceField):
            field.queryset = facilities.organisation_list(locality_id=locality.pk)

    def clean_phone(self) -> str:
        value: str = self.cleaned_data.get("phone", "")
        if not value.strip():
            return ""
        try:
            return normalize_phone(value)
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from exc

    def clean(self) -> dict[str, Any]:
        """The service's own rules (organisation, contacts unless a corruption report), all at once."""
        data = super().clean() or {}
        if "kind" in data:
            problems = feedback_problems(locality=self.locality, data=self.feedback_input(data))
            for field, message in problems.items():
                if field not in self.errors:
                    self.add_error(field, message)
        return data

    def feedback_input(self, data: dict[str, Any] | None = None) -> FeedbackInput:
        data = self.cleaned_data if data is None else data
        return FeedbackInput(
            kind=data["kind"],
            text=data.get("text") or "",
            organisation=data.get("organisation"),
            contact_name=data.get("contact_name") or "",
            phone=data.get("phone") or "",
        )


class ReferenceForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference number"),
        max_length=40,
        help_text=_("As shown after sending, for example K7QX-M3PD-9TRW."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_reference(self) -> str:
        canonical = reference_normalised(self.cleaned_data.get("reference", ""))
        if canonical is None:
            raise forms.ValidationError(
                _("A reference number has 12 letters and digits, for example K7QX-M3PD-9TRW."),
                code="reference_invalid",
            )
        return canonical
