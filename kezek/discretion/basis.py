"""The written basis of a discretionary staff act (D1): a document's number and date and a reason in real
words. Pure: the dataclass, its validation and its hash; `services.basis_record` keeps it."""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import ValidationFailed
from kezek.ledger.hashing import canonical_json

NUMBER_MAX = 50
REASON_MAX = 500
REASON_MIN_WORDS = 3  # D1: at least three different words …
WORD_MIN_LETTERS = 2  # … of at least two letters, not one letter repeated
_WORD = re.compile(r"[^\W\d_]+")  # a run of letters, in any script

NUMBER_REQUIRED = _("Enter the number of the document.")
DATE_REQUIRED = _("Enter the date of the document.")
DATE_FUTURE = _("The date of the document cannot be in the future.")
REASON_JUNK = _("Write the reason in words: at least three different words.")


def reason_is_written(text: str) -> bool:
    """D1: `text` has at least three different words of two or more letters (any script), each not one
    letter repeated — so "..........", "ааааа ааааа ааааа" or "ok ok ok" are not a reason."""
    words = {word.casefold() for word in _WORD.findall(text)}
    real = [word for word in words if len(word) >= WORD_MIN_LETTERS and len(set(word)) > 1]
    return len(real) >= REASON_MIN_WORDS


@dataclass(frozen=True)
class Basis:
    """What a staff member writes for a discretionary act (D1)."""

    document_number: str
    document_date: dt.date | None
    reason: str

    def checked(self) -> "Basis":
        """The basis with its text trimmed, or ValidationFailed (codes `basis_number`, `basis_date`,
        `basis_reason`) naming what is missing."""
        number = " ".join(self.document_number.split())
        reason = self.reason.strip()
        if not number or not any(char.isalnum() for char in number) or len(number) > NUMBER_MAX:
            raise ValidationFailed(NUMBER_REQUIRED, code="basis_number")
        if self.document_date is None:
            raise ValidationFailed(DATE_REQUIRED, code="basis_date")
        if self.document_date > clock.today():
            raise ValidationFailed(DATE_FUTURE, code="basis_date")
        if len(reason) > REASON_MAX or not reason_is_written(reason):
            raise ValidationFailed(REASON_JUNK, code="basis_reason")
        return Basis(document_number=number, document_date=self.document_date, reason=reason)

    def canonical(self) -> str:
        """The canonical JSON (the ledger's spelling) of the basis: what its hash covers."""
        date = self.document_date.isoformat() if self.document_date else None
        return canonical_json(
            {"document_date": date, "document_number": self.document_number, "reason": self.reason}
        )

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()
