"""The Q1 guard `waitlist_application_frozen` on PostgreSQL tests its condition in the trigger's WHEN
clause, as the SQLite one does: the executor evaluates it without calling PL/pgSQL, so the bulk status
changes of a sweep (hundreds of thousands of rows) no longer pay a function call per row. The function
only raises; it runs only when a frozen column changes.
"""

from django.db import migrations

CHANGED = (
    "NEW.id <> OLD.id OR NEW.registered_at <> OLD.registered_at OR NEW.child_id <> OLD.child_id "
    "OR NEW.locality_id <> OLD.locality_id OR NEW.cohort <> OLD.cohort OR NEW.ordinal <> OLD.ordinal"
)
MESSAGE = (
    "an application''s number, registered_at, child, locality, cohort and ordinal never change (Q1)"
)

FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION waitlist_application_refuse_frozen() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    "DROP TRIGGER waitlist_application_frozen ON waitlist_application",
    f"""
    CREATE TRIGGER waitlist_application_frozen
        BEFORE UPDATE ON waitlist_application
        FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION waitlist_application_refuse_frozen()
    """,
]
REVERSE = [
    f"""
    CREATE OR REPLACE FUNCTION waitlist_application_refuse_frozen() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF {CHANGED} THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    "DROP TRIGGER waitlist_application_frozen ON waitlist_application",
    """
    CREATE TRIGGER waitlist_application_frozen
        BEFORE UPDATE ON waitlist_application
        FOR EACH ROW EXECUTE FUNCTION waitlist_application_refuse_frozen()
    """,
]


def _run(schema_editor, statements):
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement, params=None)  # no placeholders: keep PL/pgSQL as is


class Migration(migrations.Migration):
    dependencies = [("waitlist", "0005_stop_list_due_indexes")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: _run(schema_editor, FORWARD),
            lambda apps, schema_editor: _run(schema_editor, REVERSE),
        ),
    ]
