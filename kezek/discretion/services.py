"""Keeping the basis of a discretionary staff act (D1)."""

from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import ValidationFailed

from .basis import Basis
from .models import DiscretionBasis


def basis_checked(basis: Basis | None) -> Basis:
    """D1: the act's basis, checked and trimmed; ValidationFailed when it is missing or junk. Services call
    it before their transaction, so a refused basis changes nothing."""
    if basis is None:
        raise ValidationFailed(
            _("This decision needs its basis: a document's number and date and a written reason."),
            code="basis_required",
        )
    return basis.checked()


def basis_record(
    *, basis: Basis, event_kind: str, subject_type: str, subject_id: object, by_staff: User | None
) -> dict[str, str]:
    """Keep a checked basis (D1) for the act's ledger event and return what that event's payload carries:
    `basis_hash` (SHA-256 of the basis's canonical JSON) and `basis_document_number` (public); the reason
    itself stays in this table. Runs in the act's transaction."""
    if basis.document_date is None:
        raise ValueError("an unchecked basis: use basis_checked first")
    digest = basis.sha256()
    DiscretionBasis.objects.create(
        event_kind=event_kind,
        subject_type=subject_type,
        subject_id=str(subject_id),
        document_number=basis.document_number,
        document_date=basis.document_date,
        reason=basis.reason,
        sha256=digest,
        recorded_at=clock.now(),
        recorded_by=by_staff if by_staff is not None and by_staff.pk else None,
    )
    return {"basis_hash": digest, "basis_document_number": basis.document_number}
