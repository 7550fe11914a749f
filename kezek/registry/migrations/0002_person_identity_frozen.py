"""`registry_person_identity_frozen` refuses an UPDATE that changes a registry person's number, IIN or
birth date, whatever code path or SQL session tries (I1, I3). The registry mirrors the state one, where
the birth date is part of the IIN: a correction arrives as another person (another IIN), never as an
edit of this row. Names and sex may still be updated.

The SQL is frozen here. Note for future migrations: SQLite rebuilds a table on most ALTERs, which drops
its triggers; such a migration on `registry_registryperson` must create it again.
"""

from django.db import migrations

CHANGED = "NEW.id <> OLD.id OR NEW.iin <> OLD.iin OR NEW.birth_date <> OLD.birth_date"
MESSAGE = "a registry person''s number, IIN and birth date never change (I1)"

POSTGRES_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION registry_person_refuse_identity_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    f"""
    CREATE TRIGGER registry_person_identity_frozen BEFORE UPDATE ON registry_registryperson
        FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION registry_person_refuse_identity_change()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS registry_person_identity_frozen ON registry_registryperson",
    "DROP FUNCTION IF EXISTS registry_person_refuse_identity_change()",
]
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER registry_person_identity_frozen BEFORE UPDATE ON registry_registryperson
    WHEN {CHANGED}
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}');
    END
    """,
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS registry_person_identity_frozen"]


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)  # no placeholders: keep PL/pgSQL as is


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: _run(
                schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}
            ),
            lambda apps, schema_editor: _run(
                schema_editor, {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}
            ),
            elidable=False,
        ),
    ]
