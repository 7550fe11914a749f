"""Shared by the log's tests: events appended in bulk, and an independent RFC 9162 tree hash."""

import hashlib

from django.db import transaction

from kezek.ledger.models import LedgerEvent
from kezek.ledger.services import EventSpec, ledger_append_many
from kezek.translog.public import public_form


def append(count: int, *, locality: str = "log-test") -> None:
    """`count` plain events (a locality's settings changed), in one transaction."""
    events = [
        EventSpec(
            kind="queue_settings.changed",
            subject_type="locality",
            subject_id=locality,
            locality_code=locality,
            payload={"priority_ratio": i % 20 + 1, "by": 7},
        )
        for i in range(count)
    ]
    with transaction.atomic():
        ledger_append_many(events=events)


def leaves() -> list[bytes]:
    """The public forms of the ledger's events, in order."""
    return [public_form(event) for event in LedgerEvent.objects.order_by("seq")]


def mth(entries: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 Merkle Tree Hash, recursively and independently of kezek_verify."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < len(entries):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:])).digest()
