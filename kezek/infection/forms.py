"""The nurse's form of a case (E51). It offers only what the service takes; the service checks again."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


def _date(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class CaseForm(forms.Form):
    infection = forms.ChoiceField(label=_("Infection"))
    enrollment = forms.TypedChoiceField(
        label=_("Child who fell ill"), coerce=int, required=False, empty_value=None
    )
    staff = forms.TypedChoiceField(
        label=_("or a staff member who fell ill"), coerce=int, required=False, empty_value=None
    )
    onset_on = _date(_("Onset of the illness"))
    isolated_on = _date(_("Isolated on"))

    def __init__(
        self,
        *args: Any,
        infections: list[tuple[str, str]],
        children: list[tuple[int, str]],
        staff: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["infection"].choices = infections  # type: ignore[attr-defined]
        self.fields["enrollment"].choices = [("", "—"), *children]  # type: ignore[attr-defined]
        self.fields["staff"].choices = [("", "—"), *staff]  # type: ignore[attr-defined]
