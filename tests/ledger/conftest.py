"""Helpers for the ledger tests: build a chain, and tamper with it as an intruder with DB access would."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, models, transaction

from kezek.ledger.models import LedgerEvent
from kezek.ledger.services import ledger_append


@contextmanager
def tampering() -> Iterator[None]:
    """Lift the append-only triggers for the block, inside the test's transaction.

    Runs in a savepoint, so the triggers come back even if the block fails; the test's own
    rollback undoes everything in any case (DDL is transactional on PostgreSQL and SQLite).
    """
    assert connection.in_atomic_block, "tamper only inside the test transaction"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE ledger_event DISABLE TRIGGER ledger_event_append_only")
            cursor.execute("ALTER TABLE ledger_head DISABLE TRIGGER ledger_head_advance_only")
            yield
            cursor.execute("ALTER TABLE ledger_event ENABLE TRIGGER ledger_event_append_only")
            cursor.execute("ALTER TABLE ledger_head ENABLE TRIGGER ledger_head_advance_only")
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master"
                " WHERE type = 'trigger' AND tbl_name IN ('ledger_event', 'ledger_head')"
            )
            triggers = cursor.fetchall()
            assert len(triggers) == 3, "SQLite's UPDATE and DELETE triggers should exist"
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            yield
            for _name, sql in triggers:
                cursor.execute(sql)


def tamper(seq: int, /, **fields: Any) -> None:
    """UPDATE one event behind the ORM's back (call inside `tampering()`)."""
    assert models.QuerySet.update(LedgerEvent.objects.filter(seq=seq), **fields) == 1


def tamper_delete(seq: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_event WHERE seq = %s", [seq])
        assert cursor.rowcount == 1


def append_events(count: int) -> list[LedgerEvent]:
    return [
        ledger_append(
            kind="application.registered",
            payload={"number": f"A-{n:05d}", "birth_year": 2021 + n % 3, "tier": "general"},
            subject_type="application",
            subject_id=str(n),
            locality_code="oskemen",
        )
        for n in range(1, count + 1)
    ]


@pytest.fixture
def chain(db: None) -> list[LedgerEvent]:
    """Five events, seq 1..5."""
    return append_events(5)
