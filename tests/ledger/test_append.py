import datetime as dt
import hashlib
import uuid
from decimal import Decimal

import pytest
from django.db import transaction

from kezek.ledger.errors import LedgerAppendOnly, LedgerNotInTransaction, LedgerPayloadError
from kezek.ledger.hashing import GENESIS_HASH, canonical_json, event_hash
from kezek.ledger.models import LedgerEvent, LedgerHead
from kezek.ledger.selectors import ledger_events, ledger_verify
from kezek.ledger.services import ledger_append

from .conftest import append_events

pytestmark = pytest.mark.django_db


def test_append_builds_a_valid_chain() -> None:
    events = append_events(3)

    stored = list(LedgerEvent.objects.order_by("seq"))
    assert [e.seq for e in stored] == [1, 2, 3]
    assert stored[0].prev_hash == GENESIS_HASH
    assert stored[1].prev_hash == stored[0].hash
    assert stored[2].prev_hash == stored[1].hash
    for returned, row in zip(events, stored, strict=True):
        assert returned.hash == row.hash == row.compute_hash()
        assert len(row.hash) == 64
        assert row.occurred_at.tzinfo is not None
    head = LedgerHead.objects.get()
    assert (head.last_seq, head.last_hash) == (3, stored[2].hash)
    assert ledger_verify().ok


def test_hash_is_sha256_of_prev_hash_and_canonical_json() -> None:
    event = ledger_append(kind="setting.changed", payload={"b": 1, "a": "Өскемен"}, locality_code="oskemen")
    event.refresh_from_db()
    body = canonical_json(
        {
            "seq": 1,
            "kind": "setting.changed",
            "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "subject_type": "",
            "subject_id": "",
            "locality_code": "oskemen",
            "payload": {"a": "Өскемен", "b": 1},
        }
    )
    assert body.startswith('{"kind":"setting.changed","locality_code":"oskemen","occurred_at":"')
    assert '"payload":{"a":"Өскемен","b":1}' in body
    assert event.hash == hashlib.sha256((GENESIS_HASH + body).encode()).hexdigest()


def test_occurred_at_is_set_by_the_server_in_any_zone() -> None:
    event = ledger_append(kind="application.registered", payload={})
    event.refresh_from_db()
    same_moment = event.occurred_at.astimezone(dt.timezone(dt.timedelta(hours=5)))
    assert (
        event_hash(
            prev_hash=event.prev_hash,
            seq=event.seq,
            kind=event.kind,
            occurred_at=same_moment,
            subject_type="",
            subject_id="",
            locality_code="",
            payload={},
        )
        == event.hash
    )


def test_verify_empty_ledger() -> None:
    result = ledger_verify()
    assert result.ok
    assert result.checked == 0
    assert result.first_broken_seq is None


def test_verify_non_empty_ledger(chain: list[LedgerEvent]) -> None:
    result = ledger_verify(chunk_size=2)  # several chunks
    assert result.ok
    assert result.checked == 5


def test_payload_is_normalised_to_plain_json_before_hashing() -> None:
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    event = ledger_append(
        kind="direction.issued",
        payload={
            "fee": Decimal("12500.50"),
            "for_date": dt.date(2025, 9, 1),
            "id": ident,
            "groups": (1, 2),
            "big": 10**30,
            "name": "Айгерім",
        },
    )
    assert event.payload == {
        "fee": "12500.50",
        "for_date": "2025-09-01",
        "id": str(ident),
        "groups": [1, 2],
        "big": 10**30,
        "name": "Айгерім",
    }
    event.refresh_from_db()
    assert event.compute_hash() == event.hash
    assert ledger_verify().ok


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"payload": {"x": object()}}, "not JSON-serialisable"),
        ({"payload": {"x": {1, 2}}}, "not JSON-serialisable"),
        ({"payload": {"x": float("nan")}}, "not JSON-serialisable"),
        ({"payload": {"x": [1, 2.5]}}, r"payload\.x\[1\]: floats are not allowed"),
        ({"payload": {"x": "a\x00b"}}, "NUL"),
        ({"payload": {"x": "\ud800"}}, "cannot be canonicalised"),
        ({"payload": ["not", "a", "dict"]}, "must be a dict"),
        ({"kind": ""}, "dotted lower-case"),
        ({"kind": "Application Registered"}, "dotted lower-case"),
        ({"subject_id": "x" * 65}, "subject_id is longer than 64"),
        ({"locality_code": 5}, "locality_code must be a string"),
    ],
)
def test_bad_events_are_refused_before_writing(kwargs: dict, message: str) -> None:
    arguments = {"kind": "application.registered", "payload": {}, **kwargs}
    with pytest.raises(LedgerPayloadError, match=message):
        ledger_append(**arguments)
    assert not LedgerEvent.objects.exists()
    assert not LedgerHead.objects.exists()


def test_event_rolls_back_with_the_business_transaction() -> None:
    append_events(1)

    class BusinessRuleFailed(Exception):
        pass

    def withdraw() -> None:
        with transaction.atomic():
            ledger_append(
                kind="application.withdrawn", payload={}, subject_type="application", subject_id="1"
            )
            raise BusinessRuleFailed

    with pytest.raises(BusinessRuleFailed):
        withdraw()

    assert LedgerEvent.objects.count() == 1
    assert LedgerHead.objects.get().last_seq == 1
    assert ledger_append(kind="application.withdrawn", payload={}).seq == 2
    assert ledger_verify().ok


@pytest.mark.django_db(transaction=True)
def test_append_outside_an_atomic_block_is_refused() -> None:
    with pytest.raises(LedgerNotInTransaction, match=r"transaction\.atomic"):
        ledger_append(kind="application.registered", payload={})
    assert not LedgerEvent.objects.exists()

    with transaction.atomic():
        ledger_append(kind="application.registered", payload={})
    # Committed; the flush after this test must still be able to empty the table.
    assert ledger_verify().checked == 1


def test_the_orm_refuses_changes(chain: list[LedgerEvent]) -> None:
    event = LedgerEvent.objects.get(seq=2)
    event.kind = "application.withdrawn"
    with pytest.raises(LedgerAppendOnly):
        event.save()
    with pytest.raises(LedgerAppendOnly):
        event.delete()
    with pytest.raises(LedgerAppendOnly):
        LedgerEvent.objects.filter(seq=2).update(kind="x.y")
    with pytest.raises(LedgerAppendOnly):
        LedgerEvent.objects.all().delete()
    with pytest.raises(LedgerAppendOnly):
        LedgerEvent.objects.bulk_create([LedgerEvent(seq=6)])
    with pytest.raises(LedgerAppendOnly):
        LedgerEvent.objects.bulk_update([event], ["kind"])
    assert ledger_verify().ok


def test_ledger_events_filters(chain: list[LedgerEvent]) -> None:
    ledger_append(kind="application.withdrawn", payload={}, subject_type="application", subject_id="2")
    ledger_append(kind="setting.changed", payload={"priority_ratio": 3}, locality_code="almaty")

    assert [e.seq for e in ledger_events(subject_type="application", subject_id="2")] == [2, 6]
    assert [e.seq for e in ledger_events(kind="application.withdrawn")] == [6]
    assert [e.seq for e in ledger_events(locality_code="almaty")] == [7]
    assert ledger_events().count() == 7
