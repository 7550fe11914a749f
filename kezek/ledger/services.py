"""Writing the ledger. Every change of someone's place in the queue is recorded through `ledger_append`."""

import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction

from kezek.core import clock
from kezek.core.bulk import JsonText, table_writer

from .errors import LedgerNotInTransaction, LedgerPayloadError
from .hashing import (
    canonical_time,
    check_text,
    event_json,
    link_hash,
    payload_canonical,
)
from .locks import HEAD_ID, head_lock
from .models import TEXT_LIMITS, LedgerEvent, LedgerHead, LedgerVerification
from .selectors import VERIFY_CHUNK_SIZE, ledger_verify

KIND_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
# The columns of a chained event row, in `_chain`'s order.
COLUMNS = (
    "seq",
    "kind",
    "occurred_at",
    "subject_type",
    "subject_id",
    "locality_code",
    "payload",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class EventSpec:
    """One event to append with `ledger_append_many`."""

    kind: str
    payload: Mapping[str, Any]
    subject_type: str = ""
    subject_id: str = ""
    locality_code: str = ""


def ledger_append(
    *,
    kind: str,
    payload: Mapping[str, Any],
    subject_type: str = "",
    subject_id: str = "",
    locality_code: str = "",
) -> LedgerEvent:
    """Append one event to the chain and return it.

    Must be called inside the caller's `transaction.atomic()`, so the event commits or rolls back with
    the change it records; otherwise raises LedgerNotInTransaction. `kind` is a dotted lower-case name
    ("application.registered"). `payload` must be JSON-serialisable (dates, Decimals and UUIDs become
    strings; floats are refused); a bad event raises LedgerPayloadError before anything is written.
    Appends are serialised by locking the single LedgerHead row, so the chain never forks.
    """
    spec = EventSpec(
        kind=kind,
        payload=payload,
        subject_type=subject_type,
        subject_id=subject_id,
        locality_code=locality_code,
    )
    (row,) = _chain([spec])
    fields = dict(zip(COLUMNS, row, strict=True))
    event = LedgerEvent(**{**fields, "payload": json.loads(fields["payload"])})
    event.save()
    LedgerHead.objects.filter(pk=HEAD_ID).update(last_seq=event.seq, last_hash=event.hash)
    return event


def ledger_append_many(*, events: Sequence[EventSpec]) -> int:
    """Append `events` in order, as `ledger_append` would one by one, with one head lock and one bulk
    write (COPY on PostgreSQL): for sweeps that record thousands of changes in one transaction. The same
    rules apply (inside the caller's transaction; every event checked before anything is written)."""
    if not events:
        return 0
    chained = _chain(events)
    table_writer().insert(LedgerEvent, COLUMNS, chained)
    last = dict(zip(COLUMNS, chained[-1], strict=True))
    LedgerHead.objects.filter(pk=HEAD_ID).update(last_seq=last["seq"], last_hash=last["hash"])
    return len(chained)


def _checked(spec: EventSpec) -> str:
    """The event's payload as canonical JSON, or LedgerPayloadError for a bad kind, text or payload."""
    for name in ("kind", "subject_type", "subject_id", "locality_code"):
        check_text(name, getattr(spec, name), max_length=TEXT_LIMITS[name])
    if not KIND_RE.fullmatch(spec.kind):
        raise LedgerPayloadError(
            f"kind {spec.kind!r} is not a dotted lower-case name such as 'application.registered'"
        )
    return payload_canonical(spec.payload)[1]


def _chain(specs: Sequence[EventSpec]) -> list[tuple[Any, ...]]:
    """Check the events, lock the head and link them after it: one row of `COLUMNS` per event (unsaved;
    the caller writes them; the payload as its canonical JSON text, `JsonText`). The hash is
    `event_hash`'s, from the event's canonical JSON (`event_json`)."""
    if not transaction.get_connection().in_atomic_block:
        raise LedgerNotInTransaction(
            "ledger_append must run inside the caller's transaction.atomic() block, "
            "so the event is written in the same transaction as the change it records"
        )
    bodies = [_checked(spec) for spec in specs]
    head = head_lock()
    seq, prev_hash = head.last_seq, head.last_hash
    occurred_at = clock.now()
    moment = canonical_time(occurred_at)
    chained = []
    for spec, body in zip(specs, bodies, strict=True):
        seq += 1
        text = event_json(
            seq=seq,
            kind=spec.kind,
            occurred_at=moment,
            subject_type=spec.subject_type,
            subject_id=spec.subject_id,
            locality_code=spec.locality_code,
            payload_json=body,
        )
        digest = link_hash(prev_hash, text)
        chained.append(
            (
                seq,
                spec.kind,
                occurred_at,
                spec.subject_type,
                spec.subject_id,
                spec.locality_code,
                JsonText(body),
                prev_hash,
                digest,
            )
        )
        prev_hash = digest
    return chained


def ledger_verification_run(
    *, trigger: str, requested_by_id: int | None = None, chunk_size: int = VERIFY_CHUNK_SIZE
) -> LedgerVerification:
    """Verify the whole chain (`ledger_verify`) and record the run: when, the outcome, how many events
    were checked, the first broken one and how long it took. Used by `manage.py ledger_verify` and by
    the background task an administrator starts from the back-office."""
    ran_at = clock.now()
    started = time.monotonic()
    result = ledger_verify(chunk_size=chunk_size)
    return LedgerVerification.objects.create(
        ran_at=ran_at,
        ok=result.ok,
        checked=result.checked,
        first_broken_seq=result.first_broken_seq,
        reason=result.reason,
        duration=timedelta(seconds=time.monotonic() - started),
        trigger=trigger,
        requested_by_id=requested_by_id,
    )
