"""E28: funding's part of `integrity_check` — the live rates, terms and frozen statements against the ledger.

Rates and terms are replayed from their events (`funding.rate_set` ends the rate it names, `rate_amended`
changes an amount) and diffed; every frozen statement's canonical form is recomputed from its rows (E27)
and compared with its stored hash and with the `funding.statement_frozen` event: a row edited in SQL
after the freeze, a statement frozen without an event or an event whose statement is gone are findings.
Findings are (kind, object, expected, found) tuples; `kezek.integrity.diff` wraps them.
"""

from collections.abc import Iterator
from typing import Any

from kezek.ledger.models import LedgerEvent

from .calculation import statements_hashes
from .models import Rate, Statement, Terms

FindingTuple = tuple[str, str, str, str]
RATE_KEYS = (
    "ownership",
    "group_kind",
    "age_from",
    "age_to",
    "stay_mode",
    "amount",
    "valid_from",
    "valid_until",
)
TERMS_KEYS = ("max_parent_fee", "paid_reasons", "valid_from", "valid_until")
STATEMENT_KEYS = (
    "organisation",
    "month",
    "children",
    "paid_days",
    "amount",
    "corrections",
    "total",
    "sha256",
)


def _events(chunk_size: int) -> Iterator[tuple[str, dict[str, Any]]]:
    rows = (
        LedgerEvent.objects.filter(kind__startswith="funding.")
        .order_by("seq")
        .values_list("kind", "payload")
        .iterator(chunk_size=chunk_size)
    )
    yield from rows


def _show(value: object) -> str:
    return "—" if value is None else str(value)


def funding_findings(*, chunk_size: int = 5000) -> Iterator[FindingTuple]:
    rates: dict[int, dict[str, Any]] = {}
    terms: dict[int, dict[str, Any]] = {}
    frozen: dict[int, dict[str, Any]] = {}
    for kind, payload in _events(chunk_size):
        if kind == "funding.rate_set":
            if payload.get("ended") in rates:
                rates[payload["ended"]]["valid_until"] = payload["valid_from"]
            rates[payload["rate"]] = {k: payload.get(k) for k in RATE_KEYS}
        elif kind == "funding.rate_amended" and payload.get("rate") in rates:
            rates[payload["rate"]]["amount"] = payload["amount"]
        elif kind == "funding.terms_set":
            if payload.get("ended") in terms:
                terms[payload["ended"]]["valid_until"] = payload["valid_from"]
            terms[payload["terms"]] = {k: payload.get(k) for k in TERMS_KEYS}
        elif kind == "funding.statement_frozen":
            frozen[payload["statement"]] = payload
    yield from _diff(
        "funding_rate", rates, Rate.objects.values_list("pk", *RATE_KEYS).iterator(chunk_size=chunk_size)
    )
    yield from _diff(
        "funding_terms", terms, Terms.objects.values_list("pk", *TERMS_KEYS).iterator(chunk_size=chunk_size)
    )
    yield from _diff_statements(frozen, chunk_size=chunk_size)


def _normal(value: object) -> object:
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _diff(name: str, expected: dict[int, dict[str, Any]], live: Any) -> Iterator[FindingTuple]:
    keys = RATE_KEYS if name == "funding_rate" else TERMS_KEYS
    seen: set[int] = set()
    for pk, *values in live:
        seen.add(pk)
        want = expected.get(pk)
        if want is None:
            yield f"{name}.unrecorded", f"{name} {pk}", "a ledger event", "a row with no event"
            continue
        for key, value in zip(keys, values, strict=True):
            if _normal(value) != _normal(want.get(key)):
                yield f"{name}.{key}", f"{name} {pk}", _show(want.get(key)), _show(_normal(value))
    for pk in sorted(set(expected) - seen):
        yield f"{name}.missing", f"{name} {pk}", "the row", "nothing"


def _diff_statements(frozen: dict[int, dict[str, Any]], *, chunk_size: int) -> Iterator[FindingTuple]:
    live = dict(Statement.objects.filter(state="frozen").values_list("pk", "sha256"))
    for pk in sorted(set(frozen) - set(live)):
        yield "funding_statement.missing", f"funding_statement {pk}", "a frozen statement", "none"
    for pk, digest in statements_hashes(sorted(live), chunk_size=chunk_size):
        name = f"funding_statement {pk}"
        event = frozen.get(pk)
        if event is None:
            yield "funding_statement.unrecorded", name, "a funding.statement_frozen event", "none"
            continue
        if digest != event.get("sha256"):
            yield "funding_statement.sha256", name, str(event.get("sha256")), digest
        elif live[pk] != event.get("sha256"):
            yield "funding_statement.stored_sha256", name, str(event.get("sha256")), live[pk]
