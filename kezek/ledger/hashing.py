"""Canonical JSON and the hash of a ledger event: pure functions, shared by append and verify.

hash = sha256(prev_hash + canonical_json(event)), where `event` is
{seq, kind, occurred_at (UTC, ISO 8601 with microseconds), subject_type, subject_id, locality_code,
payload} and canonical JSON is `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`
encoded as UTF-8. `prev_hash` has a fixed length (64 hex digits), so the concatenation is unambiguous.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.crypto import salted_hmac

from .errors import LedgerPayloadError

HASH_LENGTH = 64
GENESIS_HASH = "0" * HASH_LENGTH
_PLAIN = (str, int, bool, type(None))  # JSON values that need no conversion (type() is exact: no floats)
_encode_string = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) spells strings with


def canonical_json(value: Any) -> str:
    """The one JSON spelling of `value` (plain JSON types only; raises TypeError/ValueError otherwise)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _string(value: str) -> str:
    """`canonical_json` of a string (the encoder `json.dumps(ensure_ascii=False)` uses for it, called
    directly: event_json spells five per event); anything else is refused."""
    if type(value) is not str:
        raise TypeError(f"expected a string, not {type(value).__name__}")
    return _encode_string(value)


def canonical_time(moment: dt.datetime) -> str:
    """`moment` in UTC with microseconds, e.g. `2025-09-01T02:00:00.000000+00:00`."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise LedgerPayloadError("ledger timestamps must be timezone-aware")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    prev_hash: str,
    seq: int,
    kind: str,
    occurred_at: dt.datetime,
    subject_type: str,
    subject_id: str,
    locality_code: str,
    payload: Any,
) -> str:
    """sha256 hex digest of `prev_hash` followed by the canonical JSON of the event."""
    body = event_json(
        seq=seq,
        kind=kind,
        occurred_at=canonical_time(occurred_at),
        subject_type=subject_type,
        subject_id=subject_id,
        locality_code=locality_code,
        payload_json=canonical_json(payload),
    )
    return link_hash(prev_hash, body)


def link_hash(prev_hash: str, event_text: str) -> str:
    """sha256 hex digest of `prev_hash` followed by the event's canonical JSON (`event_json`)."""
    return hashlib.sha256((prev_hash + event_text).encode("utf-8")).hexdigest()


def event_json(
    *,
    seq: int,
    kind: str,
    occurred_at: str,
    subject_type: str,
    subject_id: str,
    locality_code: str,
    payload_json: str,
) -> str:
    """The canonical JSON of the event {seq, kind, occurred_at, subject_type, subject_id, locality_code,
    payload}, assembled from its parts in sorted-key order: the same text as `canonical_json` of that dict
    (a test holds them equal), without building the dict — bulk appends hash thousands of events."""
    return (
        f'{{"kind":{_string(kind)},"locality_code":{_string(locality_code)},'
        f'"occurred_at":{_string(occurred_at)},"payload":{payload_json},"seq":{int(seq)},'
        f'"subject_id":{_string(subject_id)},"subject_type":{_string(subject_type)}}}'
    )


def payload_canonical(payload: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """`payload` as the plain JSON value that is stored and hashed, and its canonical JSON (`canonical_json`,
    computed once), or LedgerPayloadError.

    Dates, datetimes, Decimals and UUIDs become strings (as DjangoJSONEncoder writes them). Floats are
    refused: PostgreSQL's jsonb rewrites some numbers (`1e16` comes back as an integer), which would
    change the hash; use int or Decimal. NUL characters are refused (PostgreSQL cannot store them).
    """
    if not isinstance(payload, Mapping):
        raise LedgerPayloadError(f"ledger payload must be a dict, not {type(payload).__name__}")
    if all(type(key) is str for key in payload) and all(type(v) in _PLAIN for v in payload.values()):
        value = dict(payload)  # flat and plain already (the common case): no JSON round trip needed
    else:
        try:
            value = json.loads(json.dumps(payload, cls=DjangoJSONEncoder, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise LedgerPayloadError(f"ledger payload is not JSON-serialisable: {exc}") from exc
    _check_json(value, "payload")
    try:
        text = canonical_json(value)
        text.encode("utf-8")
    except (TypeError, ValueError) as exc:  # e.g. lone surrogates, mixed key types
        raise LedgerPayloadError(f"ledger payload cannot be canonicalised: {exc}") from exc
    return value, text


def check_text(name: str, value: object, *, max_length: int) -> str:
    """Check one of the event's text fields (kind, subject fields); return it unchanged."""
    if not isinstance(value, str):
        raise LedgerPayloadError(f"{name} must be a string, not {type(value).__name__}")
    if len(value) > max_length:
        raise LedgerPayloadError(f"{name} is longer than {max_length} characters")
    if "\x00" in value:
        raise LedgerPayloadError(f"{name} contains a NUL character")
    return value


def _check_json(value: Any, path: str) -> None:
    if isinstance(value, float):
        raise LedgerPayloadError(f"{path}: floats are not allowed in the ledger (use int or Decimal)")
    if isinstance(value, str):
        if "\x00" in value:
            raise LedgerPayloadError(f"{path}: NUL characters are not allowed in the ledger")
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                raise LedgerPayloadError(f"{path}: NUL characters are not allowed in the ledger")
            _check_json(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]")


def person_digest(iin: str, birth_date: dt.date) -> str:
    """A keyed digest of a child's IIN and birth date, for the ledger: it lets `integrity_check` prove the
    live child row is the one registered, without putting the IIN (which encodes the birth date, so a plain
    hash could be reversed by trying every IIN) on a public record. Keyed with the project's SECRET_KEY."""
    return salted_hmac(
        "kezek.ledger.person", f"{iin}|{birth_date.isoformat()}", algorithm="sha256"
    ).hexdigest()
