"""The questionnaire's six steps (C3), one form per question. Each form checks its own fields with the rules
of `services.answers_checked` (the service checks them all again when the answers are submitted)."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kezek.facilities.models import Organisation

from . import questions

CHOOSE_KINDERGARTEN = _("Choose a kindergarten")


def payment_label(amount: int) -> str:
    """ "up to 10 000 ₸" (the thousands apart by a no-break space)."""
    return str(_("up to %(amount)s ₸") % {"amount": f"{amount:,}".replace(",", "\u00a0")})


class KindergartensForm(forms.Form):
    """Question 1: one to three desired kindergartens of the campaign's locality, in order of preference."""

    kindergarten_1 = forms.TypedChoiceField(
        label=_("First kindergarten"),
        coerce=int,
        error_messages={"required": _("Choose at least one kindergarten.")},
    )
    kindergarten_2 = forms.TypedChoiceField(
        label=_("Second kindergarten (optional)"), coerce=int, required=False, empty_value=None
    )
    kindergarten_3 = forms.TypedChoiceField(
        label=_("Third kindergarten (optional)"), coerce=int, required=False, empty_value=None
    )
    FIELDS = ("kindergarten_1", "kindergarten_2", "kindergarten_3")

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", CHOOSE_KINDERGARTEN), *((o.pk, o.name) for o in organisations)]
        for name in self.FIELDS:
            self.fields[name].choices = choices  # type: ignore[attr-defined]  # TypedChoiceFields

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [data[name] for name in self.FIELDS if data.get(name)]
        if len(set(chosen)) != len(chosen):
            self.add_error("kindergarten_2", _("Choose one to three different kindergartens."))
        data["kindergartens"] = tuple(chosen)
        return data


class OwnershipForm(forms.Form):
    """Question 2: any, state or private; and why (unless any)."""

    ownership = forms.ChoiceField(
        label=_("Form of ownership"),
        choices=questions.Ownership.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a form of ownership.")},
    )
    ownership_reason = forms.ChoiceField(
        label=_("Why?"),
        help_text=_("Answer if you chose state or private."),
        choices=questions.OwnershipReason.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ownership = data.get("ownership")
        if ownership == questions.Ownership.ANY:
            data["ownership_reason"] = ""
        elif ownership and data.get("ownership_reason") not in questions.OwnershipReason.values:
            self.add_error("ownership_reason", _("Say why: quality or cost."))
        return data


class LanguageForm(forms.Form):
    """Question 3: the language of education."""

    language = forms.ChoiceField(
        label=_("Language of education"),
        choices=questions.Language.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a language of education.")},
    )


class PaymentForm(forms.Form):
    """Question 4: the most the family can pay a month."""

    max_payment = forms.TypedChoiceField(
        label=_("The most we can pay a month"),
        choices=[(amount, payment_label(amount)) for amount in questions.PAYMENT_BANDS],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an amount from the list.")},
    )


class ActivitiesForm(forms.Form):
    """Question 5: paid extra activities the family is interested in (none is an answer too)."""

    activities = forms.MultipleChoiceField(
        label=_("Extra activities"),
        choices=questions.Activity.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Choose activities from the list.")},
    )
    activity_other = forms.CharField(
        label=_("Other"),
        help_text=_("Another activity you would like, in a few words."),
        max_length=questions.ACTIVITY_OTHER_MAX,
        required=False,
    )

    def clean_activity_other(self) -> str:
        return " ".join(str(self.cleaned_data.get("activity_other") or "").split())


class HintedCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes each described by a hint under its label (the page renders the hint with this id)."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["attrs"].get("id"):
            option["attrs"]["aria-describedby"] = f"{option['attrs']['id']}_hint"
        return option


class DigitalForm(forms.Form):
    """Question 6: services of the personal cabinet the family would find useful."""

    digital = forms.MultipleChoiceField(
        label=_("Services of the personal cabinet"),
        choices=questions.Digital.choices,
        widget=HintedCheckboxes,
        required=False,
        error_messages={"invalid_choice": _("Choose services from the list.")},
    )


# The steps in order: the form of each question and the fields its draft keeps.
STEP_FORMS: tuple[type[forms.Form], ...] = (
    KindergartensForm,
    OwnershipForm,
    LanguageForm,
    PaymentForm,
    ActivitiesForm,
    DigitalForm,
)
# Which step a service's error code belongs to (ValidationFailed.code of answers_checked).
STEP_OF_ERROR = {
    "kindergartens": 1,
    "ownership": 2,
    "ownership_reason": 2,
    "language": 3,
    "max_payment": 4,
    "activities": 5,
    "activity_other": 5,
    "digital": 6,
}
FIELD_OF_ERROR = {"kindergartens": "kindergarten_1"}
