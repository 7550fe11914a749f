"""The database itself refuses changes of ledger rows (triggers), and appends never fork the chain."""

import threading

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from kezek.ledger.models import LedgerEvent, LedgerHead
from kezek.ledger.selectors import ledger_verify
from kezek.ledger.services import ledger_append

# The triggers guard the ledger from the owner too (the application role has no UPDATE/DELETE at all).
pytestmark = [pytest.mark.django_db, pytest.mark.database_owner]


def execute(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_update_is_refused_by_the_database(chain: list[LedgerEvent]) -> None:
    """A trigger on both PostgreSQL and SQLite."""
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        execute("UPDATE ledger_event SET kind = 'application.withdrawn' WHERE seq = 2")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        execute("UPDATE ledger_event SET hash = prev_hash")
    assert ledger_verify().ok


def test_delete_is_refused_by_the_database(chain: list[LedgerEvent]) -> None:
    """A trigger on both PostgreSQL and SQLite (issue 15, item 16: SQLite accepted DELETE)."""
    with pytest.raises(IntegrityError, match="append-only: DELETE refused"), transaction.atomic():
        execute("DELETE FROM ledger_event WHERE seq = 5")
    with pytest.raises(IntegrityError, match="append-only: DELETE refused"), transaction.atomic():
        execute("DELETE FROM ledger_event")
    with pytest.raises(IntegrityError, match="ledger_head cannot be deleted"), transaction.atomic():
        execute("DELETE FROM ledger_head")
    assert LedgerEvent.objects.count() == 5
    assert ledger_verify().ok


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_ledger() -> None:
    """Django's `flush` (transactional tests, `manage.py flush`) empties it: TRUNCATE on PostgreSQL,
    DELETE within `ledger_emptying` on SQLite."""
    with transaction.atomic():
        ledger_append(kind="application.registered", payload={}, subject_type="application", subject_id="1")
    call_command("flush", interactive=False, verbosity=0)
    assert not LedgerEvent.objects.exists()
    assert not LedgerHead.objects.exists()


@pytest.mark.postgres
def test_update_is_refused_by_postgresql_with_restrict_violation(chain: list[LedgerEvent]) -> None:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        execute("UPDATE ledger_event SET payload = '{}'::jsonb WHERE seq = 1")
    assert excinfo.value.__cause__.sqlstate == "23001"  # type: ignore[union-attr]


@pytest.mark.postgres
def test_head_may_only_advance_to_the_newest_event(chain: list[LedgerEvent]) -> None:
    with pytest.raises(IntegrityError, match="ledger_head cannot be deleted"), transaction.atomic():
        execute("DELETE FROM ledger_head")
    with pytest.raises(IntegrityError, match="may only advance"), transaction.atomic():
        execute("UPDATE ledger_head SET last_seq = 4, last_hash = %s", [chain[3].hash])
    with pytest.raises(IntegrityError, match="may only advance"), transaction.atomic():
        execute("UPDATE ledger_head SET last_seq = 6, last_hash = %s", ["a" * 64])
    assert ledger_verify().ok


def test_the_chain_cannot_fork(chain: list[LedgerEvent]) -> None:
    """Two events can never follow the same hash (unique prev_hash)."""
    fork = LedgerEvent(
        seq=6,
        kind="application.registered",
        occurred_at=chain[4].occurred_at,
        payload={},
        prev_hash=chain[4].prev_hash,
        hash="b" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain() -> None:
    threads, per_thread = 6, 15
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def worker(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    ledger_append(kind="application.registered", payload={"worker": n, "i": i})
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()

    assert errors == []
    result = ledger_verify()
    assert result.ok, result
    assert result.checked == threads * per_thread
