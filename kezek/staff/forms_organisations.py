"""Forms of the department's organisations, groups and locality settings (issue #6). They offer only what
staff may change: never a BIN after creation, a locality, a child's data, an application, a direction or
the queue."""

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from kezek.facilities.models import Group, Organisation
from kezek.facilities.services import GROUP_FIELDS, ORGANISATION_FIELDS
from kezek.placement.models import PlacementSettings

FEE_ROWS = 6


class OrganisationFilterForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("any")), *Organisation.Kind.choices]
    )
    ownership = forms.ChoiceField(
        label=_("Ownership"), required=False, choices=[("", _("any")), *Organisation.Ownership.choices]
    )


def _formfield(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class OrganisationForm(forms.ModelForm):
    """The passport (names kk/ru, kind, ownership, contacts, hours, duty group, equipment)."""

    class Meta:
        model = Organisation
        formfield_callback = _formfield
        fields = ORGANISATION_FIELDS
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "extra_equipment": forms.Textarea(attrs={"rows": 3}),
        }


class OrganisationCreateForm(OrganisationForm):
    """A new organisation: its BIN (fixed afterwards) and, for a user covering several localities, where."""

    bin = forms.RegexField(label=_("BIN"), regex=r"^\d{12}$", max_length=12)
    locality = forms.ChoiceField(label=_("Locality"))

    class Meta(OrganisationForm.Meta):
        fields: tuple[str, ...] = ("bin", *ORGANISATION_FIELDS)  # type: ignore[assignment]

    def __init__(self, *args: Any, localities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locality"].choices = localities  # type: ignore[attr-defined]
        self.order_fields(["locality", "bin"])

    def _post_clean(self) -> None:  # the service checks the model (BIN uniqueness → 409)
        pass


class FeeForm(forms.Form):
    age_from = forms.IntegerField(label=_("Age from (years)"), required=False, min_value=0, max_value=7)
    age_to = forms.IntegerField(
        label=_("Age to (years, exclusive)"), required=False, min_value=1, max_value=8
    )
    monthly_fee = forms.IntegerField(label=_("Monthly fee, ₸"), required=False, min_value=0)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [data.get(name) is not None for name in ("age_from", "age_to", "monthly_fee")]
        if any(given) and not all(given):
            raise forms.ValidationError(_("Fill in all three values of a fee, or none."))
        return data

    def fee(self) -> tuple[int, int, int] | None:
        data = self.cleaned_data
        if data.get("age_from") is None:
            return None
        return (data["age_from"], data["age_to"], data["monthly_fee"])


FeeFormSet = forms.formset_factory(FeeForm, extra=0, min_num=FEE_ROWS, max_num=FEE_ROWS, validate_max=True)


class GroupForm(forms.ModelForm):
    """A group's name, language, kind, age range and stay mode (its capacity changes through its own form)."""

    class Meta:
        model = Group
        fields = GROUP_FIELDS

    def _post_clean(self) -> None:  # the service checks the model and the name's uniqueness
        pass


class GroupCreateForm(GroupForm):
    class Meta(GroupForm.Meta):
        fields: tuple[str, ...] = (*GROUP_FIELDS, "capacity", "academic_year")  # type: ignore[assignment]


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, max_value=60)


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason of closing"), min_length=5, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class TransferForm(forms.Form):
    enrollment = forms.IntegerField(widget=forms.HiddenInput)
    to_group = forms.TypedChoiceField(label=_("Transfer to the group"), coerce=int)

    def __init__(self, *args: Any, groups: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_group"].choices = groups  # type: ignore[attr-defined]


class SettingsForm(forms.ModelForm):
    """The locality's queue ratio (Q4) and distribution settings (P2–P4)."""

    priority_ratio = forms.IntegerField(
        label=_("General applications per first-priority one"), min_value=1, max_value=20
    )

    class Meta:
        model = PlacementSettings
        fields = (
            "distribution_policy",
            "priority_days",
            "priority_hour",
            "age_reference",
            "direction_working_days",
            "direction_max_days",
        )

    def _post_clean(self) -> None:  # the services check the ranges
        pass
