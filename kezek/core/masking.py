"""Masking personal data for logs, staff lists and public pages (rule O5): show enough to recognise, no more.

Phones are masked by `kezek.core.phones.mask_phone` (re-exported here, so one import serves all).
"""

from .phones import mask_phone

__all__ = ["mask_email", "mask_iin", "mask_initials", "mask_name", "mask_phone"]


def mask_iin(iin: str) -> str:
    """The first four and the last two digits of an IIN/BIN: "0503******29"; anything else: "***"."""
    value = iin.strip()
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return "***"
    return f"{value[:4]}{'*' * 6}{value[-2:]}"


def mask_name(last: str, first: str = "", middle: str = "") -> str:
    """The last name with initials: ("Иванов", "Алексей", "Борисович") → "Иванов А. Б."."""
    parts = [last.strip()]
    parts += [f"{name.strip()[0].upper()}." for name in (first, middle) if name.strip()]
    return " ".join(part for part in parts if part)


def mask_initials(last: str, first: str = "") -> str:
    """Initials only, for a public page: ("Иванов", "Алексей") → "И. А."."""
    return " ".join(f"{part.strip()[:1].upper()}." for part in (last, first) if part.strip())


def mask_email(email: str) -> str:
    """The first character of the local part and the domain: "a***@example.kz"; no "@": "***"."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        return "***"
    return f"{local[0]}***@{domain}"
