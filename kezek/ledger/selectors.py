"""Reading the ledger: filtering events and verifying the chain."""

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from .hashing import GENESIS_HASH
from .models import LedgerEvent, LedgerHead, LedgerVerification

VERIFY_CHUNK_SIZE = 2000


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of `ledger_verify`. When not ok, every event with seq < first_broken_seq is intact."""

    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def ledger_events(
    *,
    subject_type: str | None = None,
    subject_id: str | None = None,
    kind: str | None = None,
    locality_code: str | None = None,
) -> QuerySet[LedgerEvent]:
    """Events in chain order, filtered by whichever arguments are given."""
    events = LedgerEvent.objects.order_by("seq")
    if subject_type is not None:
        events = events.filter(subject_type=subject_type)
    if subject_id is not None:
        events = events.filter(subject_id=subject_id)
    if kind is not None:
        events = events.filter(kind=kind)
    if locality_code is not None:
        events = events.filter(locality_code=locality_code)
    return events


@dataclass(frozen=True)
class About:
    """Events about one thing: those whose subject is one of `subjects` (type → ids), or whose payload
    names it under `payload_key` (e.g. placement events carry {"organisation": 7, "application": 12})."""

    subjects: dict[str, Collection[str]] = field(default_factory=dict)
    payload_key: str = ""
    payload_value: int | None = None

    def q(self) -> Q:
        about = Q(pk__in=[])
        for subject_type, ids in self.subjects.items():
            if ids:
                about |= Q(subject_type=subject_type, subject_id__in=list(ids))
        if self.payload_key and self.payload_value is not None:
            about |= Q(**{f"payload__{self.payload_key}": self.payload_value})
        return about


def ledger_events_search(
    *,
    locality_codes: Collection[str] | None,
    about: Sequence[About] = (),
    kind: str | None = None,
    since: dt.datetime | None = None,
    before: dt.datetime | None = None,
) -> QuerySet[LedgerEvent]:
    """Events newest first, for the back-office browser. `locality_codes` None means every event
    (including those of no locality, e.g. cabinet access requests); otherwise only events recorded with
    one of those localities. Every `About` must match; `since` ≤ occurred_at < `before`."""
    events = LedgerEvent.objects.order_by("-seq")
    if locality_codes is not None:
        events = events.filter(locality_code__in=list(locality_codes))
    for item in about:
        events = events.filter(item.q())
    if kind:
        events = events.filter(kind=kind)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if before is not None:
        events = events.filter(occurred_at__lt=before)
    return events


def ledger_verification_latest() -> LedgerVerification | None:
    """The most recent recorded run of the chain verification."""
    return LedgerVerification.objects.order_by("-ran_at", "-pk").first()


def ledger_verify(*, chunk_size: int = VERIFY_CHUNK_SIZE) -> VerifyResult:
    """Walk the whole chain in seq order (streamed) and report the first broken link.

    Checks, per event: seq is the next number (no gap), prev_hash equals the previous event's hash
    (genesis: 64 zeros), and the stored hash equals the recomputed one. Then checks the chain reaches
    the head row's last seq and hash, so a deleted or rewritten tail is found too. The head is read
    first: events appended while verifying are checked but cannot make the result wrong.
    """
    head = LedgerHead.objects.filter(pk=1).first()
    checked = 0
    expected_seq = 1
    prev_hash = GENESIS_HASH
    for event in LedgerEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            return _broken(
                checked, expected_seq, f"event {expected_seq} is missing (the next event is {event.seq})"
            )
        if event.prev_hash != prev_hash:
            return _broken(checked, event.seq, "prev_hash does not match the previous event's hash")
        try:
            recomputed = event.compute_hash()
        except (TypeError, ValueError) as exc:
            return _broken(checked, event.seq, f"event cannot be canonicalised: {exc}")
        if event.hash != recomputed:
            return _broken(checked, event.seq, "hash does not match the event's content")
        if head is not None and event.seq == head.last_seq and event.hash != head.last_hash:
            return _broken(checked, event.seq, "hash differs from the one recorded in the ledger head")
        checked += 1
        expected_seq += 1
        prev_hash = event.hash

    last_seq = expected_seq - 1
    if head is None:
        if last_seq and not LedgerHead.objects.filter(pk=1).exists():
            return _broken(
                checked, expected_seq, "the ledger head row is missing: the tail cannot be checked"
            )
    elif last_seq < head.last_seq:
        return _broken(
            checked, expected_seq, f"the head records {head.last_seq} events, the chain ends at {last_seq}"
        )
    return VerifyResult(ok=True, checked=checked)


def _broken(checked: int, seq: int, reason: str) -> VerifyResult:
    return VerifyResult(ok=False, checked=checked, first_broken_seq=seq, reason=reason)
