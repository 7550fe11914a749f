"""Property: for any chain and any single-field change of any event, verify fails at that event."""

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kezek.ledger.hashing import canonical_json, canonical_time, event_json
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.ledger.services import ledger_append

from .conftest import tamper, tampering

pytestmark = pytest.mark.django_db

text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=10,
)
payloads = st.dictionaries(text, json_values, max_size=5)
kinds = st.from_regex(r"[a-z][a-z0-9_]{0,10}(\.[a-z][a-z0-9_]{0,10}){0,2}", fullmatch=True)
ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", max_size=20)


def mutation(event: LedgerEvent, field: str) -> dict[str, Any]:
    if field == "seq":
        return {"seq": event.seq + 1000}
    if field == "occurred_at":
        return {"occurred_at": event.occurred_at + dt.timedelta(microseconds=1)}
    if field == "payload":
        return {"payload": {"tampered": event.payload}}
    if field in ("hash", "prev_hash"):
        value = getattr(event, field)
        return {field: ("1" if value[0] == "0" else "0") + value[1:]}
    return {field: getattr(event, field) + "x"}


FIELDS = [
    "seq",
    "kind",
    "occurred_at",
    "subject_type",
    "subject_id",
    "locality_code",
    "payload",
    "prev_hash",
    "hash",
]


@pytest.mark.database_owner  # tampers
@settings(
    max_examples=60,
    deadline=None,
    # Each example runs in its own savepoint, rolled back below, so the db fixture is reused safely.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_single_field_change_is_detected(data: st.DataObject) -> None:
    with transaction.atomic():
        count = data.draw(st.integers(min_value=1, max_value=6), label="count")
        for _ in range(count):
            ledger_append(
                kind=data.draw(kinds, label="kind"),
                payload=data.draw(payloads, label="payload"),
                subject_type=data.draw(ids, label="subject_type"),
                subject_id=data.draw(ids, label="subject_id"),
                locality_code=data.draw(ids, label="locality_code"),
            )
        intact = ledger_verify()
        assert intact.ok, intact  # every payload survives the database round trip unchanged
        assert intact.checked == count

        target = LedgerEvent.objects.get(
            seq=data.draw(st.integers(min_value=1, max_value=count), label="seq")
        )
        field = data.draw(st.sampled_from(FIELDS), label="field")
        with tampering():
            tamper(target.seq, **mutation(target, field))

        result = ledger_verify()
        assert not result.ok
        assert result.first_broken_seq == target.seq, result
        transaction.set_rollback(True)


@given(
    seq=st.integers(min_value=1, max_value=10**12),
    kind=kinds,
    subject=text,
    subject_id=ids,
    locality=text,
    payload=payloads,
)
@settings(max_examples=300, deadline=None)
def test_event_json_is_the_canonical_json_of_the_event(
    seq: int, kind: str, subject: str, subject_id: str, locality: str, payload: dict[str, Any]
) -> None:
    """The hash's text, assembled from its parts for speed, is exactly canonical_json of the event dict."""
    moment = canonical_time(dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC))
    event = {
        "seq": seq,
        "kind": kind,
        "occurred_at": moment,
        "subject_type": subject,
        "subject_id": subject_id,
        "locality_code": locality,
        "payload": payload,
    }
    assert event_json(
        seq=seq,
        kind=kind,
        occurred_at=moment,
        subject_type=subject,
        subject_id=subject_id,
        locality_code=locality,
        payload_json=canonical_json(payload),
    ) == canonical_json(event)
