"""Database triggers that make ledger rows append-only.

PostgreSQL: `ledger_event_append_only` refuses UPDATE and DELETE of events (SQLSTATE 23001,
restrict_violation, raised as IntegrityError); `ledger_head_advance_only` refuses deleting the head and
any head update other than advancing by one to the newest event.
SQLite: `ledger_event_no_update` refuses UPDATE of events (RAISE(ABORT) -> IntegrityError).

Not refused, on purpose: TRUNCATE on PostgreSQL and DELETE on SQLite, because Django's `flush` (used
by `manage.py flush` and by transactional tests) empties tables that way. `ledger_verify` still detects
a deleted tail or middle through the head row and the gapless `seq`.

The SQL is frozen here. Note for future migrations: SQLite rebuilds a table on most ALTERs, which drops
its triggers; such a migration must create `ledger_event_no_update` again.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION ledger_event_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger_event is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    """
    CREATE TRIGGER ledger_event_append_only
        BEFORE UPDATE OR DELETE ON ledger_event
        FOR EACH ROW EXECUTE FUNCTION ledger_event_refuse_change()
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_head_check_advance() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'ledger_head cannot be deleted' USING ERRCODE = 'restrict_violation';
        END IF;
        IF NEW.id <> OLD.id
           OR NEW.last_seq <> OLD.last_seq + 1
           OR NOT EXISTS (
               SELECT 1 FROM ledger_event
               WHERE seq = NEW.last_seq AND hash = NEW.last_hash AND prev_hash = OLD.last_hash
           )
        THEN
            RAISE EXCEPTION 'ledger_head may only advance by one, to the newest event'
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE TRIGGER ledger_head_advance_only
        BEFORE UPDATE OR DELETE ON ledger_head
        FOR EACH ROW EXECUTE FUNCTION ledger_head_check_advance()
    """,
]

POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS ledger_head_advance_only ON ledger_head",
    "DROP FUNCTION IF EXISTS ledger_head_check_advance()",
    "DROP TRIGGER IF EXISTS ledger_event_append_only ON ledger_event",
    "DROP FUNCTION IF EXISTS ledger_event_refuse_change()",
]

SQLITE_FORWARD = [
    """
    CREATE TRIGGER ledger_event_no_update BEFORE UPDATE ON ledger_event
    BEGIN
        SELECT RAISE(ABORT, 'ledger_event is append-only: UPDATE refused');
    END
    """,
]

SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS ledger_event_no_update"]


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)  # no placeholders: keep PL/pgSQL "%" as is


def forwards(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD})


def backwards(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
