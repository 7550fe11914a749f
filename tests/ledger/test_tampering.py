"""Every change of a stored event (payload, order, hash, deletion) is found by ledger_verify."""

import datetime as dt

import pytest

from kezek.ledger.hashing import event_hash
from kezek.ledger.models import LedgerEvent, LedgerHead
from kezek.ledger.selectors import ledger_verify

from .conftest import tamper, tamper_delete, tampering

# Tampering is an administrator's: the application role may not (tests/core/test_db_roles.py).
pytestmark = [pytest.mark.django_db, pytest.mark.database_owner]


def assert_broken_at(seq: int, reason: str) -> None:
    result = ledger_verify()
    assert not result.ok
    assert result.first_broken_seq == seq
    assert reason in result.reason
    assert result.checked == seq - 1


@pytest.mark.parametrize("seq", [1, 3, 5])
def test_changed_payload_is_detected(chain: list[LedgerEvent], seq: int) -> None:
    with tampering():
        tamper(seq, payload={"number": "A-99999", "birth_year": 2021, "tier": "general"})
    assert_broken_at(seq, "hash does not match the event's content")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "application.withdrawn"),
        ("occurred_at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
        ("subject_type", "direction"),
        ("subject_id", "999"),
        ("locality_code", "almaty"),
        ("payload", {}),
    ],
)
def test_any_changed_field_is_detected(chain: list[LedgerEvent], field: str, value: object) -> None:
    with tampering():
        tamper(3, **{field: value})
    assert_broken_at(3, "hash does not match")


@pytest.mark.parametrize("seq", [1, 3, 5])
def test_changed_hash_is_detected(chain: list[LedgerEvent], seq: int) -> None:
    with tampering():
        tamper(seq, hash="f" * 64)
    assert_broken_at(seq, "hash does not match the event's content")


def test_changed_prev_hash_is_detected(chain: list[LedgerEvent]) -> None:
    with tampering():
        tamper(3, prev_hash="e" * 64)
    assert_broken_at(3, "prev_hash does not match")


def test_swapped_contents_of_two_events_are_detected(chain: list[LedgerEvent]) -> None:
    second, third = LedgerEvent.objects.get(seq=2), LedgerEvent.objects.get(seq=3)
    with tampering():
        tamper(2, kind=third.kind, payload=third.payload, subject_id=third.subject_id)
        tamper(3, kind=second.kind, payload=second.payload, subject_id=second.subject_id)
    assert_broken_at(2, "hash does not match")


def test_swapped_seq_numbers_are_detected(chain: list[LedgerEvent]) -> None:
    with tampering():
        tamper(2, seq=1000)
        tamper(3, seq=2)
        tamper(1000, seq=3)
    assert_broken_at(2, "prev_hash does not match")


def test_swapped_whole_rows_with_rehash_are_detected(chain: list[LedgerEvent]) -> None:
    """Even an intruder who swaps two events and recomputes their hashes breaks the next link."""
    second, third = LedgerEvent.objects.get(seq=2), LedgerEvent.objects.get(seq=3)
    prev = LedgerEvent.objects.get(seq=1).hash
    new_hashes = {}
    for seq, source in ((2, third), (3, second)):
        fields = {
            "kind": source.kind,
            "occurred_at": source.occurred_at,
            "subject_type": source.subject_type,
            "subject_id": source.subject_id,
            "locality_code": source.locality_code,
            "payload": source.payload,
        }
        new_hashes[seq] = event_hash(prev_hash=prev, seq=seq, **fields)
        fields |= {"prev_hash": prev, "hash": new_hashes[seq]}
        with tampering():
            tamper(seq, hash=f"{seq}" * 64)  # free the unique hash first
            tamper(seq, **fields)
        prev = new_hashes[seq]
    assert_broken_at(4, "prev_hash does not match")


def test_deleted_middle_event_is_detected(chain: list[LedgerEvent]) -> None:
    with tampering():
        tamper_delete(3)
    assert_broken_at(3, "event 3 is missing (the next event is 4)")


def test_deleted_first_event_is_detected(chain: list[LedgerEvent]) -> None:
    with tampering():
        tamper_delete(1)
    assert_broken_at(1, "event 1 is missing")


def test_deleted_last_event_is_detected_through_the_head(chain: list[LedgerEvent]) -> None:
    with tampering():
        tamper_delete(5)
    assert_broken_at(5, "the head records 5 events, the chain ends at 4")


def test_rewritten_and_rehashed_last_event_is_detected_through_the_head(chain: list[LedgerEvent]) -> None:
    last = LedgerEvent.objects.get(seq=5)
    payload = {**last.payload, "tier": "extraordinary"}
    forged = event_hash(
        prev_hash=last.prev_hash,
        seq=5,
        kind=last.kind,
        occurred_at=last.occurred_at,
        subject_type=last.subject_type,
        subject_id=last.subject_id,
        locality_code=last.locality_code,
        payload=payload,
    )
    with tampering():
        tamper(5, payload=payload, hash=forged)
    assert_broken_at(5, "differs from the one recorded in the ledger head")


def test_deleted_head_is_detected(chain: list[LedgerEvent]) -> None:
    with tampering():
        LedgerHead.objects.all().delete()
    assert_broken_at(6, "the ledger head row is missing")
