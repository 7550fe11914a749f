"""Reads of complaints and suggestions: the public status by reference (no personal data) and staff lists."""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kezek.core.errors import NotFound

from .models import REFERENCE_ALPHABET, REFERENCE_GROUP_LENGTH, Feedback, Kind, Status

_SEPARATORS_RE = re.compile(r"[\s\-–—_.]")


@dataclass(frozen=True)
class PublicStatus:
    """What anyone holding the reference may see: never the text, the name or the phone of the sender."""

    reference: str
    kind: str
    kind_label: str
    locality: str
    organisation: str | None
    status: str
    status_label: str
    created_at: dt.datetime
    updated_at: dt.datetime
    answered_at: dt.datetime | None
    answer: str


def reference_normalised(value: str) -> str | None:
    """The canonical "XXXX-XXXX-XXXX" of what a person typed (any case, spaces or dashes), or None."""
    compact = _SEPARATORS_RE.sub("", value or "").upper()
    size = REFERENCE_GROUP_LENGTH
    if len(compact) != 3 * size or any(ch not in REFERENCE_ALPHABET for ch in compact):
        return None
    return "-".join(compact[i : i + size] for i in range(0, len(compact), size))


def feedback_public_status(*, reference: str) -> PublicStatus:
    """The public status of one message by its reference; NotFound for anything else."""
    canonical = reference_normalised(reference)
    row = (
        Feedback.objects.select_related("locality", "organisation").filter(reference=canonical).first()
        if canonical
        else None
    )
    if row is None:
        raise NotFound(_("No message with this reference number was found. Check the number and try again."))
    return PublicStatus(
        reference=row.reference,
        kind=row.kind,
        kind_label=str(Kind(row.kind).label),
        locality=row.locality.name,
        organisation=row.organisation.name if row.organisation else None,
        status=row.status,
        status_label=str(Status(row.status).label),
        created_at=row.created_at,
        updated_at=row.updated_at,
        answered_at=row.answered_at,
        answer=row.answer,
    )


def feedback_inbox(*, locality_id: int | None = None, status: str | None = None) -> QuerySet[Feedback]:
    """Staff: messages, newest first, optionally of one locality and status."""
    qs = Feedback.objects.select_related("locality", "organisation")
    if locality_id is not None:
        qs = qs.filter(locality_id=locality_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")
