"""Salted commitments to an application's private data (issue 17 item 4, docs/transparency.md "Commitments").

Where a rule depends on private data (the child's exact age for a group's age range), the public form of
the event carries a commitment, `sha256(value UTF-8 bytes + salt)` in hex, and never the value. The salt
(16 random bytes per application, `Application.commitment_salt`) stays private; the family receives it in
their `kezek-proof/1` download, where `kezek-verify proof` opens each commitment exactly as `commitment()`
computes it. Without the salt a birth date (a few thousand possible values) cannot be guessed from it.
"""

import base64
import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # no model import at run time: the demo's planner (no database) uses this module
    from .models import Application

SALT_BYTES = 16
BIRTH_DATE = "child_birth_date"  # the opening's name in a kezek-proof/1 document
INDICATION = "medical_indication"  # … of a medical indication's (P3: sanatorium groups)


def new_salt() -> bytes:
    """A fresh salt for one application (registration; the demo derives its salts from its seed)."""
    return secrets.token_bytes(SALT_BYTES)


def commitment(value: str, salt: bytes) -> str:
    """Hex SHA-256 of the value's UTF-8 bytes followed by the salt's bytes."""
    return hashlib.sha256(value.encode() + salt).hexdigest()


def birth_commitment(birth_date: dt.date, salt: bytes) -> str:
    """The `birth_commitment` of `application.registered`: the ISO date (YYYY-MM-DD) committed."""
    return commitment(birth_date.isoformat(), salt)


def indication_value(*, application: int, issued_on: dt.date, valid_until: dt.date) -> str:
    """What a medical indication's commitment binds (P3): whose it is and when it is valid. The log shows
    only its status; the family's opening names the application, so their proof can claim the entry."""
    return f"application {application}, valid {issued_on.isoformat()}..{valid_until.isoformat()}"


def opening(name: str, value: str, salt: bytes) -> dict[str, str]:
    """One opening of a kezek-proof/1 document."""
    return {
        "name": name,
        "value": value,
        "salt": base64.b64encode(salt).decode("ascii"),
        "commitment": commitment(value, salt),
    }


def application_commitments(application: "Application") -> list[dict[str, str]]:
    """The openings of the application's commitments for the family's proof download:
    [{"name", "value", "salt" (base64), "commitment" (hex)}]. Empty for an application registered
    before commitments (no salt; its event published none). Reads the child (select_related it)."""
    stored = application.commitment_salt
    if stored is None:
        return []
    salt = bytes(stored)  # PostgreSQL returns a memoryview
    return [opening(BIRTH_DATE, application.child.birth_date.isoformat(), salt)]
