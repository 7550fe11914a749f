"""Forms of the parent's pages: the search of free places, the choice of an application for a direction,
the confirmation of a decline."""

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.facilities.models import Language, Organisation
from kezek.waitlist.models import Application

ACCESS_CHOICES = [("", _("Any")), ("general", _("General access")), ("priority", _("Priority access"))]


def application_label(application: Application) -> str:
    """How a parent recognises one of their own applications: number, child's first name, birth date."""
    return str(
        _("Application No. %(number)s — %(name)s, born %(born)s")
        % {
            "number": application.pk,
            "name": application.child.first_name,
            "born": application.child.birth_date.strftime("%d.%m.%Y"),
        }
    )


class FreePlacesSearchForm(forms.Form):
    """Filters of the free-places search (GET). A signed-in parent may search for one of their
    applications; anyone by the child's birth date or age."""

    application = forms.TypedChoiceField(
        label=_("My application"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Only the groups your child can be directed to: age and kind of group."),
    )
    birth_date = forms.DateField(
        label=_("Child's birth date"),
        required=False,
        help_text=_("For example, 15.03.2023."),
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
    )
    age = forms.IntegerField(label=_("Child's age, full years"), required=False, min_value=0, max_value=7)
    language = forms.ChoiceField(
        label=_("Language of instruction"), required=False, choices=[("", _("Any")), *Language.choices]
    )
    access = forms.ChoiceField(label=_("Access type"), required=False, choices=ACCESS_CHOICES)
    kind = forms.ChoiceField(
        label=_("Type of organisation"),
        required=False,
        choices=[("", _("Any")), *Organisation.Kind.choices],
    )

    def __init__(self, *args: Any, applications: list[Application] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if applications:
            field: forms.ChoiceField = self.fields["application"]  # type: ignore[assignment]
            field.choices = [
                ("", _("None: search by birth date or age")),
                *[(a.pk, application_label(a)) for a in applications],
            ]
        else:
            del self.fields["application"]

    def clean_birth_date(self) -> dt.date | None:
        born: dt.date | None = self.cleaned_data.get("birth_date")
        if born is not None and not clock.today() - dt.timedelta(days=8 * 366) <= born <= clock.today():
            raise forms.ValidationError(
                _("Enter the birth date of a child of preschool age."), code="birth_date_range"
            )
        return born

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in ("application", "birth_date", "age") if data.get(name) not in (None, "")]
        if len(given) > 1:
            raise forms.ValidationError(
                _("Search either by your application, by the birth date or by the age, not by several."),
                code="one_child_filter",
            )
        return data


class DirectionTakeForm(forms.Form):
    """The application a direction is taken for: one of the parent's own."""

    application = forms.ModelChoiceField(
        label=_("Application"),
        queryset=Application.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choose the application."),
            "invalid_choice": _("Choose one of your applications."),
        },
    )

    def __init__(self, *args: Any, own: Any, eligible: list[Application], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelChoiceField = self.fields["application"]  # type: ignore[assignment]
        # Any of the parent's own applications is accepted (the service judges eligibility and says why
        # not); the eligible ones are offered.
        field.queryset = own
        field.choices = [(a.pk, application_label(a)) for a in eligible]
        if len(eligible) == 1 and not self.is_bound:
            self.initial.setdefault("application", eligible[0].pk)


class DeclineForm(forms.Form):
    """The parent confirms the decline: the direction cannot be taken back."""

    confirm = forms.BooleanField(
        label=_("I understand that the place goes to another child and cannot be returned"),
        error_messages={"required": _("Tick the box to confirm that you decline the direction.")},
    )
