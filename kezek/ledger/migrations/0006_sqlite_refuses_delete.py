"""SQLite refuses DELETE of ledger events and of the head, as PostgreSQL does (0002), except while the
whole ledger is being emptied (`kezek.ledger.guards.ledger_emptying`: Django's `flush`, `seed_demo
--reset`), which PostgreSQL does by TRUNCATE.

The SQL is frozen here. A later migration that rebuilds `ledger_event` or `ledger_head` on SQLite drops
their triggers and must create them again (as 0005 does for 0002's).
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER ledger_event_no_delete BEFORE DELETE ON ledger_event
    WHEN NOT kezek_ledger_emptying()
    BEGIN
        SELECT RAISE(ABORT, 'ledger_event is append-only: DELETE refused');
    END
    """,
    """
    CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head
    WHEN NOT kezek_ledger_emptying()
    BEGIN
        SELECT RAISE(ABORT, 'ledger_head cannot be deleted');
    END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS ledger_head_no_delete",
    "DROP TRIGGER IF EXISTS ledger_event_no_delete",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_hash_covered_by_seq")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
