"""More database guards of the queue, whatever code path or SQL session tries:

- `waitlist_child_identity_frozen` refuses an UPDATE that changes a child's number, IIN or birth date
  (I1: the birth date is the IIN's; names may follow the registry). A child whose IIN the registry
  corrects is another child; their applications stay bound to the one they were registered for (Q1).
- `waitlist_application_tier_never_rises` refuses raising an application's tier: the only change the
  code makes is lowering it, when a benefit is rejected (Q5, P5: `application.tier_changed` follows a
  `benefit.decided` event). A lowering written in SQL is left to the integrity check, which replays it
  against the ledger.

The condition is in each trigger's WHEN clause (see 0006): bulk updates pay no function call per row.
The SQL is frozen here. Note for future migrations: SQLite rebuilds a table on most ALTERs, which drops
its triggers; such a migration on `waitlist_child` or `waitlist_application` must create them again.
"""

from django.db import migrations

GUARDS = [
    (
        "waitlist_child",
        "waitlist_child_identity_frozen",
        "waitlist_child_refuse_identity_change",
        "NEW.id <> OLD.id OR NEW.iin <> OLD.iin OR NEW.birth_date <> OLD.birth_date",
        "a child''s number, IIN and birth date never change (I1)",
    ),
    (
        "waitlist_application",
        "waitlist_application_tier_never_rises",
        "waitlist_application_refuse_tier_rise",
        "(OLD.tier = 'general' AND NEW.tier <> 'general') "
        "OR (OLD.tier = 'first_priority' AND NEW.tier = 'extraordinary')",
        "an application''s tier is only ever lowered, by a rejected benefit (Q5)",
    ),
]


def _statements(vendor: str, *, forward: bool) -> list[str]:
    statements = []
    for table, trigger, function, condition, message in GUARDS:
        if vendor == "postgresql" and forward:
            statements += [
                f"""
                CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';
                END;
                $$
                """,
                f"""
                CREATE TRIGGER {trigger} BEFORE UPDATE ON {table}
                    FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION {function}()
                """,
            ]
        elif vendor == "postgresql":
            statements += [
                f"DROP TRIGGER IF EXISTS {trigger} ON {table}",
                f"DROP FUNCTION IF EXISTS {function}()",
            ]
        elif vendor == "sqlite" and forward:
            statements.append(
                f"""
                CREATE TRIGGER {trigger} BEFORE UPDATE ON {table}
                WHEN {condition}
                BEGIN
                    SELECT RAISE(ABORT, '{message}');
                END
                """
            )
        elif vendor == "sqlite":
            statements.append(f"DROP TRIGGER IF EXISTS {trigger}")
    return statements


def _run(schema_editor, *, forward):
    for statement in _statements(schema_editor.connection.vendor, forward=forward):
        schema_editor.execute(statement, params=None)  # no placeholders: keep PL/pgSQL as is


class Migration(migrations.Migration):
    dependencies = [("waitlist", "0006_frozen_trigger_when")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: _run(schema_editor, forward=True),
            lambda apps, schema_editor: _run(schema_editor, forward=False),
            elidable=False,
        ),
    ]
