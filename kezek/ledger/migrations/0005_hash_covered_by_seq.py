"""Drop `ledger_event_hash_unique`: an event's hash covers its `seq`, the primary key, so two equal hashes
would be a SHA-256 collision, and nothing looks events up by hash. Bulk appends (a yearly confirmation
writes hundreds of thousands of events) save one random-key index write per event.

SQLite rebuilds the table to drop the constraint, which drops its trigger: the append-only guard
`ledger_event_no_update` is created again afterwards (see 0002).
"""

import importlib

from django.db import migrations

guards = importlib.import_module("kezek.ledger.migrations.0002_append_only_triggers")


def append_only_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in guards.SQLITE_REVERSE + guards.SQLITE_FORWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_head_advances_over_linked_events")]

    operations = [
        migrations.RemoveConstraint(model_name="ledgerevent", name="ledger_event_hash_unique"),
        migrations.RunPython(append_only_again, migrations.RunPython.noop),
    ]
