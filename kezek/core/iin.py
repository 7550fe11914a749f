"""IIN and BIN: checksum validation and parsing (rules I1, I2)."""

import datetime as dt
from dataclasses import dataclass

_WEIGHTS_1 = tuple(range(1, 12))
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

# Century/sex digit (7th) → (century base, sex).
_CENTURY_SEX = {
    1: (1800, "M"),
    2: (1800, "F"),
    3: (1900, "M"),
    4: (1900, "F"),
    5: (2000, "M"),
    6: (2000, "F"),
}


class InvalidIIN(ValueError):
    """The string is not a valid IIN/BIN."""


@dataclass(frozen=True)
class ParsedIIN:
    iin: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for these 11 digits, or None when no valid check digit exists."""
    digits = [int(ch) for ch in first_eleven]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS_1, strict=True)) % 11
    if total == 10:
        total = sum(d * w for d, w in zip(digits, _WEIGHTS_2, strict=True)) % 11
        if total == 10:
            return None
    return total


def has_valid_checksum(value: str) -> bool:
    """12 ASCII digits whose last digit is the check digit of the first 11."""
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return False
    return check_digit(value[:11]) == int(value[11])


def parse_iin(value: str) -> ParsedIIN:
    """Validate an IIN and derive birth date and sex from it (I1). Raises InvalidIIN."""
    value = value.strip()
    if not has_valid_checksum(value):
        raise InvalidIIN(value)
    century_sex = _CENTURY_SEX.get(int(value[6]))
    if century_sex is None:
        raise InvalidIIN(value)
    century, sex = century_sex
    try:
        birth_date = dt.date(century + int(value[0:2]), int(value[2:4]), int(value[4:6]))
    except ValueError as exc:
        raise InvalidIIN(value) from exc
    return ParsedIIN(iin=value, birth_date=birth_date, sex=sex)


def is_valid_iin(value: str) -> bool:
    try:
        parse_iin(value)
    except InvalidIIN:
        return False
    return True


def is_valid_bin(value: str) -> bool:
    """BIN (I2): YYMM, entity type (4–6), attribute, 5-digit serial, check digit."""
    value = value.strip()
    if not has_valid_checksum(value):
        return False
    month = int(value[2:4])
    return 1 <= month <= 12 and value[4] in "456"


def make_iin(*, birth_date: dt.date, sex: str, serial: int) -> str | None:
    """Build the IIN for a birth date, sex and 4-digit serial; None if that serial has no check digit."""
    if not 0 <= serial <= 9999:
        raise ValueError("serial must have 4 digits")
    if sex not in ("M", "F"):
        raise ValueError(f"sex must be 'M' or 'F', not {sex!r}")
    base = {1800: 1, 1900: 3, 2000: 5}.get(birth_date.year // 100 * 100)
    if base is None:
        raise ValueError(f"no IIN century digit for {birth_date.year} (1800–2099 only)")
    century_digit = base if sex == "M" else base + 1
    first_eleven = f"{birth_date:%y%m%d}{century_digit}{serial:04d}"
    digit = check_digit(first_eleven)
    return None if digit is None else first_eleven + str(digit)


def make_bin(*, registered: dt.date, entity_type: int, attribute: int, serial: int) -> str | None:
    """Build a BIN; None if that serial has no check digit."""
    first_eleven = f"{registered:%y%m}{entity_type}{attribute}{serial:05d}"
    digit = check_digit(first_eleven)
    return None if digit is None else first_eleven + str(digit)


def iin_checked(value: str, *, field: str = "iin") -> ParsedIIN:
    """Parse an IIN a person typed; a translated 422 (code `<field>_invalid`) when it is not valid."""
    from django.utils.translation import gettext_lazy as _

    from .errors import ValidationFailed

    try:
        return parse_iin(value)
    except InvalidIIN as exc:
        raise ValidationFailed(_("The IIN is not valid: check the digits."), code=f"{field}_invalid") from exc
