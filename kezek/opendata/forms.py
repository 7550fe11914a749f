"""Filters of the open data pages and downloads. The query parameters are the API's (`date_from`, `age`, …),
so a page's filters, its downloads and the API answer the same question. Invalid values are reported (the
pages show an error summary, the downloads answer 422), never silently ignored."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kezek.facilities.labels import age_range_label
from kezek.facilities.models import Group, Language, Organisation

from .schemas import MAX_DATE, MIN_DATE, parse_age_range
from .selectors import AgeRange, Cohort, DirectionFilters, PublicationFilters

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


def age_label(age_range: AgeRange) -> str:
    return age_range_label(*age_range)


class AgeRangesField(forms.MultipleChoiceField):
    """Age ranges "from-to": the locality's ranges are offered, any well-formed range is accepted."""

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {
        "invalid_choice": _("%(value)s is not an age range: write it as from-to, e.g. 3-5."),
    }

    def valid_value(self, value: Any) -> bool:
        return isinstance(value, str) and parse_age_range(value) is not None


class DateFilterField(forms.DateField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False,
            input_formats=DATE_FORMATS,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **kwargs,
        )

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not MIN_DATE <= value <= MAX_DATE:
            raise forms.ValidationError(_("Enter a date between 2000 and 2100."), code="date_range")


def _ages(cleaned: list[str]) -> tuple[AgeRange, ...]:
    return tuple(dict.fromkeys(r for r in map(parse_age_range, cleaned) if r is not None))


class _AgeChoicesMixin:
    """Offers the locality's age ranges (the seed's "Наличие возрастных групп"), plus any asked for."""

    fields: dict[str, forms.Field]
    data: Any

    def _offer_ages(self, ranges: list[AgeRange]) -> None:
        asked = [r for r in map(parse_age_range, self.data.getlist("age") if self.data else []) if r]
        offered = sorted({*ranges, *asked})
        field = self.fields["age"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [(f"{a}-{b}", age_label((a, b))) for a, b in offered]


class PublicationFilterForm(_AgeChoicesMixin, forms.Form):
    """O2: date, ownership (state/private), group kind (any/correctional/…), age ranges, organisation."""

    date_from = DateFilterField(label=_("Published from"))
    date_to = DateFilterField(label=_("Published until"))
    ownership = forms.MultipleChoiceField(
        label=_("Ownership"),
        required=False,
        choices=Organisation.Ownership.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    kind = forms.ChoiceField(
        label=_("Kind of group"), required=False, choices=[("", _("Any")), *Group.Kind.choices]
    )
    age = AgeRangesField(label=_("Age groups"), required=False)
    organisation = forms.CharField(label=_("Preschool organisation"), required=False, max_length=100)

    def __init__(self, *args: Any, age_ranges: list[AgeRange] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._offer_ages(age_ranges or [])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> PublicationFilters:
        data = self.cleaned_data if self.is_bound else {}
        return PublicationFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            ownership=tuple(data.get("ownership") or ()),
            kind=data.get("kind") or None,
            ages=_ages(data.get("age") or []),
            organisation=(data.get("organisation") or "").strip(),
        )


class DirectionFilterForm(_AgeChoicesMixin, forms.Form):
    """O3: languages of the group, age ranges, organisation; empty: show every direction."""

    language = forms.MultipleChoiceField(
        label=_("Language of instruction"),
        required=False,
        choices=Language.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    age = AgeRangesField(label=_("Age groups"), required=False)
    organisation = forms.CharField(label=_("Preschool organisation"), required=False, max_length=100)

    def __init__(self, *args: Any, age_ranges: list[AgeRange] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._offer_ages(age_ranges or [])

    def filters(self) -> DirectionFilters:
        data = self.cleaned_data if self.is_bound else {}
        return DirectionFilters(
            languages=tuple(data.get("language") or ()),
            ages=_ages(data.get("age") or []),
            organisation=(data.get("organisation") or "").strip(),
        )


class CohortForm(forms.Form):
    """O4: which birth-year cohort's queue to show."""

    cohort = forms.TypedChoiceField(label=_("Year of birth"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, cohorts: list[Cohort], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["cohort"]
        if isinstance(field, forms.TypedChoiceField):
            label = _("born in %(year)s — %(size)s in the queue")
            field.choices = [(str(c.year), label % {"year": c.year, "size": c.size}) for c in cohorts]


class GroupFilterForm(forms.Form):
    """P1 in public: the groups of one organisation of the locality, or of all of them."""

    organisation_id = forms.TypedChoiceField(
        label=_("Preschool organisation"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, organisations: Iterable[Organisation] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation_id"]
        if isinstance(field, forms.TypedChoiceField):
            field.choices = [("", _("All")), *((str(o.pk), o.name) for o in organisations)]

    def organisation(self) -> int | None:
        return self.cleaned_data.get("organisation_id") if self.is_bound else None
