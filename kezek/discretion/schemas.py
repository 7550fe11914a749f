"""The basis of a discretionary act in the staff API (D1)."""

import datetime as dt

from ninja import Field, Schema

from .basis import NUMBER_MAX, REASON_MAX, Basis


class BasisIn(Schema):
    """A document's number and date and a reason of at least three different words (D1); the services
    check it (422 `basis_number`, `basis_date`, `basis_reason`)."""

    document_number: str = Field(max_length=NUMBER_MAX)
    document_date: dt.date
    reason: str = Field(max_length=REASON_MAX)

    def to_basis(self) -> Basis:
        return Basis(
            document_number=self.document_number, document_date=self.document_date, reason=self.reason
        )
