"""Tampering as a database administrator would: with the tables' triggers out of the way."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import Model

from kezek.ledger.hashing import GENESIS_HASH, event_hash
from kezek.ledger.models import LedgerEvent, LedgerHead


@contextmanager
def triggers_off(*models: type[Model]) -> Iterator[None]:
    """Inside the test's transaction: PostgreSQL `DISABLE TRIGGER USER`; SQLite drops the triggers and
    creates them again (its DDL is transactional, so the test's rollback restores them anyway)."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses a table with deferred constraint checks pending in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            try:
                yield
            finally:
                for table in tables:
                    cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
            return
        marks = ", ".join(["%s"] * len(tables))
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})",  # noqa: S608
            tables,
        )
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            yield
        finally:
            for _name, sql in triggers:
                cursor.execute(sql)


def tamper(model: type[Model], pk: object, **fields: object) -> None:
    """UPDATE one row behind the services' back."""
    with triggers_off(model):
        assert model._default_manager.filter(pk=pk).update(**fields) == 1


def ledger_rechain(from_seq: int = 1) -> None:
    """Recompute every event's hash from `from_seq` on, and the head's, as an intruder who rewrote the
    ledger would: the chain verifies again. Plain UPDATEs, one row at a time (each unique hash is free
    when it is written): the application role is refused; the owner needs the ledger's triggers off."""
    prev = LedgerEvent.objects.get(seq=from_seq - 1).hash if from_seq > 1 else GENESIS_HASH
    table = LedgerEvent._meta.db_table
    with connection.cursor() as cursor:
        for event in LedgerEvent.objects.filter(seq__gte=from_seq).order_by("seq"):
            digest = event_hash(
                prev_hash=prev, seq=event.seq, kind=event.kind, occurred_at=event.occurred_at,
                subject_type=event.subject_type, subject_id=event.subject_id,
                locality_code=event.locality_code, payload=event.payload,
            )  # fmt: skip
            if (event.prev_hash, event.hash) != (prev, digest):
                cursor.execute(
                    f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE seq = %s",  # noqa: S608
                    [prev, digest, event.seq],
                )
            prev = digest
        cursor.execute(f"UPDATE {LedgerHead._meta.db_table} SET last_hash = %s", [prev])  # noqa: S608
