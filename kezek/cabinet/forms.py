"""Forms of the cabinet pages. They check the shape of the input only; the services decide the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from captcha.fields import CaptchaField, CaptchaTextInput  # type: ignore[import-untyped]
from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # a development dependency: for the annotations only
    from django_stubs_ext import StrOrPromise

IIN_ATTRS = {"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*", "maxlength": "12"}
CODE_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*", "maxlength": "6"}
PHONE_ATTRS = {"inputmode": "tel", "autocomplete": "tel", "placeholder": "+7 7__ ___ __ __"}
EXPLANATION_MAX = 2000
IIN_SHAPE = _("An IIN has 12 digits.")
CODE_SHAPE = _("Enter the 6-digit code from the SMS.")


def _iin(label: StrOrPromise, help_text: StrOrPromise = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=12,
        min_length=12,
        validators=[RegexValidator(r"^[0-9]{12}$", IIN_SHAPE)],
        error_messages={"min_length": IIN_SHAPE, "max_length": IIN_SHAPE},
        widget=forms.TextInput(attrs=IIN_ATTRS),
    )


def _code(label: StrOrPromise = "") -> forms.CharField:
    return forms.CharField(
        label=label or _("Code from the SMS"),
        max_length=6,
        min_length=6,
        validators=[RegexValidator(r"^[0-9]{6}$", CODE_SHAPE)],
        error_messages={"min_length": CODE_SHAPE, "max_length": CODE_SHAPE},
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )


def _phone(label: StrOrPromise) -> forms.CharField:
    return forms.CharField(label=label, max_length=32, widget=forms.TextInput(attrs=PHONE_ATTRS))


class CaptchaInput(CaptchaTextInput):
    """The picture (with a translated alt text) and one text box: a plain <label> for the box rather than
    a fieldset (form.html). Widget templates are found by the form renderer in the apps' template folders,
    hence this one lives in kezek/cabinet/templates (no audio captcha: CAPTCHA_FLITE_PATH is unset)."""

    use_fieldset = False
    template_name = "cabinet/widgets/captcha.html"


def _captcha() -> CaptchaField:
    return CaptchaField(
        widget=CaptchaInput(),
        label=_("Characters from the picture"),
        help_text=_("Type the characters you see in the picture."),
    )


class IinCaptchaForm(forms.Form):
    """Sign-in, step 1, and the forgotten password: the applicant's IIN and the captcha."""

    iin = _iin(_("Applicant's IIN"), _("12 digits, the IIN of the parent who registered the application."))
    captcha = _captcha()


class CodeForm(forms.Form):
    code = _code()


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class NewPasswordForm(forms.Form):
    """A new password, typed twice; Django's password validators run in the service."""

    password1 = forms.CharField(
        label=_("New password"),
        max_length=128,
        strip=False,
        help_text=_("At least 8 characters; not only digits, not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        return data


class PasswordResetForm(NewPasswordForm):
    """Forgotten password, step 2: the SMS code and the new password twice."""

    code = _code()
    field_order = ["code", "password1", "password2"]


class PhoneChangeForm(forms.Form):
    applicant_iin = _iin(_("Applicant's IIN"))
    child_iin = _iin(_("Child's IIN"), _("The IIN of a child in one of your applications."))
    new_phone = _phone(_("New mobile phone number"))
    captcha = _captcha()


class TwoCodesForm(forms.Form):
    """Codes sent to two numbers (the labels name the masked numbers)."""

    code = _code()
    alt_code = _code()

    def __init__(self, *args: Any, phone: str = "", alt_phone: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code sent to %(phone)s") % {"phone": phone}
        self.fields["alt_code"].label = _("Code sent to %(phone)s") % {"phone": alt_phone}


class AccessRequestForm(forms.Form):
    """Restore access, step 1: who asks, for which child, and two phones to confirm (I4)."""

    applicant_iin = _iin(_("Your IIN"))
    child_iin = _iin(_("Child's IIN"))
    phone = _phone(_("Your mobile phone number"))
    phone_alt = _phone(_("Second mobile phone number"))
    captcha = _captcha()


class AccessRequestConfirmForm(TwoCodesForm):
    """Restore access, step 2: both codes, the proof document and an explanation."""

    document = forms.FileField(
        label=_("Document proving you are the child's parent or guardian"),
        help_text=_(
            "A PDF or JPEG file of at most 5 MB, e.g. the birth certificate or a guardianship order."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg"}),
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        help_text=_("Who registered the application and why you cannot use its cabinet."),
        min_length=10,
        max_length=EXPLANATION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
