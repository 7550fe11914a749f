from django import forms
from django.utils.translation import gettext_lazy as _

from kezek.facilities.models import Language, Organisation


class OrganisationFilterForm(forms.Form):
    """Filters of the organisation list; invalid values are reported, not ignored."""

    name = forms.CharField(label=_("Name"), required=False, max_length=100)
    ownership = forms.ChoiceField(
        label=_("Ownership"), required=False, choices=[("", _("Any")), *Organisation.Ownership.choices]
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any")), *Organisation.Kind.choices]
    )
    language = forms.ChoiceField(
        label=_("Language of instruction"), required=False, choices=[("", _("Any")), *Language.choices]
    )
    age = forms.IntegerField(label=_("Child's age, full years"), required=False, min_value=0, max_value=7)
