"""The written basis of a staff decision (D1) for tests."""

import itertools

from kezek.core import clock
from kezek.discretion.basis import Basis

_numbers = itertools.count(1)
REASON = "the parent's written request of this month"


def basis(reason: str = REASON, **fields: object) -> Basis:
    """A valid basis: a fresh document number, today's date and `reason`; `fields` override."""
    values: dict[str, object] = {
        "document_number": f"No. {next(_numbers)}-K",
        "document_date": clock.today(),
        "reason": reason,
    }
    values.update(fields)
    return Basis(**values)  # type: ignore[arg-type]


def basis_form_data(reason: str = REASON, **fields: object) -> dict[str, str]:
    """The staff forms' basis fields (`basis_number`, `basis_date`, `basis_reason`) of `basis(...)`."""
    made = basis(reason, **fields)
    return {
        "basis_number": made.document_number,
        "basis_date": made.document_date.isoformat() if made.document_date else "",
        "basis_reason": made.reason,
    }
