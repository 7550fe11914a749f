"""Forms of the parent's queue pages: check the queue, and the steps of the join-the-queue wizard.

The forms only shape the input; the rules are checked by the services (the same calls the API makes),
whose translated DomainError messages the views put on the right field.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kezek.facilities.models import Language, Locality
from kezek.waitlist.models import BenefitCategory, NotifyChannel

IIN_HINT = _("12 digits.")
PHONE_HINT = _("A Kazakhstan mobile number, for example +7 701 234 56 78.")
MIN_ADDRESS = 5
NOTIFY_LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]


def _iin_field(label: Any, hint: Any = IIN_HINT) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=20,
        help_text=hint,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def _code_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=6,
        min_length=6,
        help_text=_("The 6 digits from the SMS."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class CheckForm(forms.Form):
    iin = _iin_field(_("Child's or applicant's IIN"), _("12 digits: the child's IIN or the applicant's IIN."))


class PhonesForm(forms.Form):
    phone = forms.CharField(
        label=_("Main mobile phone"),
        max_length=32,
        help_text=PHONE_HINT,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    phone_alt = forms.CharField(
        label=_("Second mobile phone"),
        max_length=32,
        help_text=_("Another number of the family, for when the main one cannot be reached."),
        widget=forms.TextInput(attrs={"type": "tel"}),
    )


class CodesForm(forms.Form):
    """The SMS codes; a field is left out when its phone is already confirmed."""

    code = _code_field(_("Code sent to the main phone"))
    code_alt = _code_field(_("Code sent to the second phone"))

    def __init__(self, *args: Any, ask: tuple[bool, bool] = (True, True), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, wanted in zip(("code", "code_alt"), ask, strict=True):
            if not wanted:
                del self.fields[name]


class PersonsForm(forms.Form):
    applicant_iin = _iin_field(_("Applicant's IIN"), _("12 digits: your IIN (parent or guardian)."))
    child_iin = _iin_field(_("Child's IIN"), _("12 digits: the IIN of the child who joins the queue."))


class AddressForm(forms.Form):
    address = forms.CharField(
        label=_("Actual address"),
        max_length=255,
        help_text=_("Where the child actually lives: street, house, flat."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    locality = forms.ModelChoiceField(
        label=_("Locality"),
        queryset=Locality.objects.order_by("name_ru"),
        to_field_name="code",
        empty_label=_("Choose a locality"),
        help_text=_("The queue of this locality."),
    )
    language = forms.ChoiceField(
        label=_("Desired language of the group"),
        choices=[("", _("Choose a language")), *Language.choices],
    )

    def clean_address(self) -> str:
        address = str(self.cleaned_data["address"]).strip()
        if not MIN_ADDRESS <= len(address) <= 255:  # as application_register checks it
            raise forms.ValidationError(_("Enter the actual address (5 to 255 characters)."))
        return address


class BenefitForm(forms.Form):
    """An extraordinary-benefit claim (Q5): category, certificate, its date of issue."""

    category = forms.ChoiceField(
        label=_("Extraordinary benefit"),
        required=False,
        help_text=_("Only if the child has an extraordinary right; it is confirmed by a certificate."),
    )
    document = forms.FileField(
        label=_("Certificate"),
        required=False,
        help_text=_("A PDF or JPEG file of at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,application/pdf,image/jpeg"}),
    )
    issued_on = forms.DateField(
        label=_("Date of issue of the certificate"),
        required=False,
        help_text=_("The certificate must have been issued within the last month."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self, *args: Any, categories: list[BenefitCategory], has_document: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.has_document = has_document
        field = self.fields["category"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [("", _("No extraordinary benefit")), *((c.code, c.name) for c in categories)]
        if has_document:
            self.fields["document"].help_text = _(
                "A certificate is attached. Choose another file only to replace it."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("category"):
            if not data.get("document") and not self.has_document:
                self.add_error("document", _("Attach the certificate."))
            if not data.get("issued_on") and "issued_on" not in self.errors:
                self.add_error("issued_on", _("Enter the date of issue of the certificate."))
        return data


class NotificationsForm(forms.Form):
    notify_channel = forms.ChoiceField(
        label=_("How to notify you"),
        choices=NotifyChannel.choices,
        widget=forms.RadioSelect,
        initial=NotifyChannel.SMS,
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Required when you choose to be notified by email."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    notify_language = forms.ChoiceField(
        label=_("Language of the notifications"), choices=NOTIFY_LANGUAGES, widget=forms.RadioSelect
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("notify_channel") == NotifyChannel.EMAIL
            and not data.get("email")
            and "email" not in self.errors
        ):
            self.add_error("email", _("Enter an email address to be notified by email."))
        return data
