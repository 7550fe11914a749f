"""E25: a statement row's references are foreign keys of the database again (0003 had left four unchecked).

Checked row by row, five keys made a country's month (900 000 rows) twice as slow; a check costs the same
whatever it holds, so on PostgreSQL the row has two composite keys instead of five plain ones:

- `funding_row_enrollment_child`: (enrollment_id, child_id) → placement_enrollment (id, child_id) (a
  unique index on those two, added here): the enrolment exists and the row's child is its child;
- `funding_row_statement_group`: (statement_id, group_id, for_month, rate_key) → funding_statementgroup:
  the statement's group-month at that rate, whose own keys hold the statement, group and rate
  (`rate_key` = the rate's id, 0 for none: a NULL would switch a composite key's check off).

Both are DEFERRABLE INITIALLY DEFERRED, like Django's (rows are written before their statement and group).
SQLite keeps Django's five plain keys, and a trigger refuses a row whose child is not its enrolment's.
Django's state still lists plain keys for the PostgreSQL columns: a later AlterField of them finds none
to drop (not strict) and would add a plain one back — drop it again if so.
"""

from django.db import migrations

ROW_KEYS = ("statement_id", "enrollment_id", "child_id", "group_id", "rate_id")
BACKFILL = """
INSERT INTO funding_statementgroup (statement_id, group_id, for_month, rate_id)
SELECT DISTINCT statement_id, group_id, for_month, rate_id FROM funding_statementrow
"""
PG = [
    "CREATE UNIQUE INDEX funding_enrollment_child_key ON placement_enrollment (id, child_id)",
    """ALTER TABLE funding_statementrow ADD CONSTRAINT funding_row_enrollment_child
       FOREIGN KEY (enrollment_id, child_id) REFERENCES placement_enrollment (id, child_id)
       DEFERRABLE INITIALLY DEFERRED""",
    """ALTER TABLE funding_statementrow ADD CONSTRAINT funding_row_statement_group
       FOREIGN KEY (statement_id, group_id, for_month, rate_key)
       REFERENCES funding_statementgroup (statement_id, group_id, for_month, rate_key)
       DEFERRABLE INITIALLY DEFERRED""",
]
PG_REVERSE = [
    "ALTER TABLE funding_statementrow DROP CONSTRAINT funding_row_statement_group",
    "ALTER TABLE funding_statementrow DROP CONSTRAINT funding_row_enrollment_child",
    "DROP INDEX funding_enrollment_child_key",
]
_CHILD = """
SELECT RAISE(ABORT, 'funding_row_enrollment_child') WHERE NEW.child_id IS NOT
  (SELECT e.child_id FROM placement_enrollment e WHERE e.id = NEW.enrollment_id);
"""
SQLITE = [
    f"CREATE TRIGGER funding_row_child_ins BEFORE INSERT ON funding_statementrow BEGIN {_CHILD} END",
    f"CREATE TRIGGER funding_row_child_upd BEFORE UPDATE ON funding_statementrow BEGIN {_CHILD} END",
]
SQLITE_REVERSE = ["DROP TRIGGER funding_row_child_ins", "DROP TRIGGER funding_row_child_upd"]


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    schema_editor.execute(BACKFILL)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(cursor, "funding_statementrow")
        for name, info in sorted(found.items()):
            if info["foreign_key"] and tuple(info["columns"]) in {(c,) for c in ROW_KEYS}:
                schema_editor.execute(f'ALTER TABLE funding_statementrow DROP CONSTRAINT "{name}"')
        for sql in PG:
            schema_editor.execute(sql)
    elif connection.vendor == "sqlite":
        for sql in SQLITE:
            schema_editor.execute(sql)


def reverse(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("funding", "0004_keys_checked")]

    operations = [migrations.RunPython(forward, reverse)]
