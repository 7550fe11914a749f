"""The written basis of a staff decision (D1) for tests."""

import itertools

from kezek.core import clock
from kezek.discretion.basis import Basis

_numbers = itertools.count(1)


def basis(reason: str = "the parent's written request of this month", **fields: object) -> Basis:
    """A valid basis: a fresh document number, today's date and `reason`; `fields` override."""
    values: dict[str, object] = {
        "document_number": f"No. {next(_numbers)}-K",
        "document_date": clock.today(),
        "reason": reason,
    }
    values.update(fields)
    return Basis(**values)  # type: ignore[arg-type]


def basis_form_data(prefix: str = "basis", **fields: object) -> dict[str, str]:
    """The staff forms' basis fields (`<prefix>_number`, `<prefix>_date`, `<prefix>_reason`), valid."""
    made = basis(**fields)  # type: ignore[arg-type]
    return {
        f"{prefix}_number": made.document_number,
        f"{prefix}_date": made.document_date.isoformat() if made.document_date else "",
        f"{prefix}_reason": made.reason,
    }
