"""Kazakhstan mobile phone numbers (rule I4): normalisation to +77XXXXXXXXX and masking for display."""

import re

from django.utils.translation import gettext as _

from .errors import ValidationFailed

# Operator codes of Kazakhstan mobile networks (the three digits after +7).
MOBILE_PREFIXES = frozenset(
    {str(code) for code in range(700, 709)}
    | {"747", "750", "751"}
    | {str(code) for code in range(760, 765)}
    | {"771", "775", "776", "777", "778"}
)
MAX_INPUT_LENGTH = 32
# Spaces, hyphens, dots and brackets people put between digit groups.
_SEPARATORS_RE = re.compile(r"[\s\-.()]")
_DIGITS_RE = re.compile(r"\+?[0-9]+")
_NORMALISED_RE = re.compile(r"\+77[0-9]{9}")


def normalize_phone(value: str) -> str:
    """A Kazakhstan mobile number in the form "+77012345678"; raises ValidationFailed otherwise.

    Accepts the common spellings: "+7 (701) 234-56-78", "+77012345678", "77012345678",
    "87012345678" (domestic trunk prefix 8) and "7012345678" (ten digits without a prefix).
    Only ASCII digits count; the operator code must be a mobile one (MOBILE_PREFIXES).
    """
    if len(value) > MAX_INPUT_LENGTH:
        raise _invalid()
    compact = _SEPARATORS_RE.sub("", value)
    if not compact:
        raise ValidationFailed(_("Enter a mobile phone number."), code="phone_required")
    if not _DIGITS_RE.fullmatch(compact):
        raise _invalid()
    if compact.startswith("+"):
        national = compact[2:] if len(compact) == 12 and compact[1] == "7" else None
    elif len(compact) == 11 and compact[0] in "78":
        national = compact[1:]
    elif len(compact) == 10:
        national = compact
    else:
        national = None
    if national is None or national[0] != "7":
        raise _invalid()
    if national[:3] not in MOBILE_PREFIXES:
        raise ValidationFailed(
            _(
                "This is not a Kazakhstan mobile number. Enter a mobile number starting with +7 7, "
                "for example +7 701 234 56 78."
            ),
            code="phone_not_mobile",
        )
    return "+7" + national


def is_valid_phone(value: str) -> bool:
    try:
        normalize_phone(value)
    except ValidationFailed:
        return False
    return True


def mask_phone(phone: str) -> str:
    """A normalised number with the middle hidden, for logs and staff pages: "+7 701 *** ** 78"."""
    if not _NORMALISED_RE.fullmatch(phone):
        return "***"
    return f"+7 {phone[2:5]} *** ** {phone[-2:]}"


def _invalid() -> ValidationFailed:
    return ValidationFailed(
        _("Enter the phone number as +7 7XX XXX XX XX, for example +7 701 234 56 78."),
        code="phone_invalid",
    )
