"""The private salt of an application's birth-date commitment (issue 17, docs/transparency.md
"Commitments"), and the Q1 guard `waitlist_application_frozen` extended to it: a changed salt would no
longer open the commitment its `application.registered` event published.

Existing applications keep a null salt: their events, already in the signed log, carry no commitment, and
a salt drawn now would open nothing. The column is nullable with no default, so SQLite adds it with
ALTER TABLE ADD COLUMN (no table rebuild: the triggers of 0002 and 0007 stay); the guard is replaced here.
"""

from django.db import migrations, models

OLD_CHANGED = (
    "NEW.id <> OLD.id OR NEW.registered_at <> OLD.registered_at OR NEW.child_id <> OLD.child_id "
    "OR NEW.locality_id <> OLD.locality_id OR NEW.cohort <> OLD.cohort OR NEW.ordinal <> OLD.ordinal"
)
OLD_MESSAGE = "an application''s number, registered_at, child, locality, cohort and ordinal never change (Q1)"
SALT_CHANGED = {  # null-safe: a salt is never set on an application that had none, nor removed
    "postgresql": "NEW.commitment_salt IS DISTINCT FROM OLD.commitment_salt",
    "sqlite": "NEW.commitment_salt IS NOT OLD.commitment_salt",
}
NEW_MESSAGE = (
    "an application''s number, registered_at, child, locality, cohort, ordinal and commitment salt "
    "never change (Q1)"
)


def _statements(vendor: str, *, forward: bool) -> list[str]:
    if vendor not in SALT_CHANGED:
        return []
    changed = f"{OLD_CHANGED} OR {SALT_CHANGED[vendor]}" if forward else OLD_CHANGED
    message = NEW_MESSAGE if forward else OLD_MESSAGE
    if vendor == "postgresql":
        return [
            f"""
            CREATE OR REPLACE FUNCTION waitlist_application_refuse_frozen() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';
            END;
            $$
            """,
            "DROP TRIGGER waitlist_application_frozen ON waitlist_application",
            f"""
            CREATE TRIGGER waitlist_application_frozen
                BEFORE UPDATE ON waitlist_application
                FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION waitlist_application_refuse_frozen()
            """,
        ]
    return [
        "DROP TRIGGER waitlist_application_frozen",
        f"""
        CREATE TRIGGER waitlist_application_frozen BEFORE UPDATE ON waitlist_application
        WHEN {changed}
        BEGIN
            SELECT RAISE(ABORT, '{message}');
        END
        """,
    ]


def _run(schema_editor, *, forward):
    for statement in _statements(schema_editor.connection.vendor, forward=forward):
        schema_editor.execute(statement, params=None)  # no placeholders: keep PL/pgSQL as is


class Migration(migrations.Migration):
    dependencies = [("waitlist", "0007_child_identity_frozen_tier_never_rises")]

    operations = [
        migrations.AddField(
            model_name="application",
            name="commitment_salt",
            field=models.BinaryField(max_length=16, null=True, verbose_name="commitment salt"),
        ),
        migrations.RunPython(
            lambda apps, schema_editor: _run(schema_editor, forward=True),
            lambda apps, schema_editor: _run(schema_editor, forward=False),
        ),
    ]
