"""A locked monitoring point is frozen in the database (E44), whatever code path or SQL session tries:

- `monitoring_mark_frozen` refuses an INSERT, UPDATE or DELETE of a card's mark when its point is locked;
- `monitoring_card_frozen` the same for the cards themselves;
- `monitoring_point_frozen` refuses to change a locked point (to reopen it, or to change its hash).

On SQLite a DELETE goes through while the whole database is emptied (`kezek.ledger.guards.
ledger_emptying`: `flush`, the demo's reset), as PostgreSQL's TRUNCATE does (row triggers do not fire).
A DBA who disables the triggers is caught by the integrity check (E47): each locked card's hash is
recomputed from its marks and compared with the ledger's.
"""

from django.db import migrations

FROZEN = "a locked monitoring point''s cards never change (E44)"

_CARD_LOCKED = """EXISTS (SELECT 1 FROM monitoring_point p WHERE p.id = {ref}.point_id AND p.state = 'locked')"""
_MARK_LOCKED = """EXISTS (SELECT 1 FROM monitoring_card c JOIN monitoring_point p ON p.id = c.point_id
    WHERE c.id = {ref}.card_id AND p.state = 'locked')"""
_POINT_CHANGED = "OLD.state = 'locked'"


def _pg(table: str, name: str, condition: str) -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION {name}_refuse() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' AND {condition.format(ref="OLD")} THEN
                RAISE EXCEPTION '{FROZEN}' USING ERRCODE = 'restrict_violation';
            END IF;
            IF TG_OP <> 'DELETE' AND {condition.format(ref="NEW")} THEN
                RAISE EXCEPTION '{FROZEN}' USING ERRCODE = 'restrict_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END;
        $$
        """,
        f"""
        CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {name}_refuse()
        """,
    ]


def _sqlite(table: str, name: str, condition: str) -> list[str]:
    old, new = condition.format(ref="OLD"), condition.format(ref="NEW")
    return [
        f"CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} WHEN {new} "
        f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END",
        f"CREATE TRIGGER {name}_update BEFORE UPDATE ON {table} WHEN {old} OR {new} "
        f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END",
        f"CREATE TRIGGER {name}_delete BEFORE DELETE ON {table} WHEN NOT kezek_ledger_emptying() AND {old} "
        f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END",
    ]


POSTGRES_FORWARD = [
    *_pg("monitoring_cardmark", "monitoring_mark_frozen", _MARK_LOCKED),
    *_pg("monitoring_card", "monitoring_card_frozen", _CARD_LOCKED),
    f"""
    CREATE OR REPLACE FUNCTION monitoring_point_refuse() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{FROZEN}' USING ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    f"""
    CREATE TRIGGER monitoring_point_frozen BEFORE UPDATE OR DELETE ON monitoring_point
        FOR EACH ROW WHEN ({_POINT_CHANGED}) EXECUTE FUNCTION monitoring_point_refuse()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS monitoring_point_frozen ON monitoring_point",
    "DROP FUNCTION IF EXISTS monitoring_point_refuse()",
    "DROP TRIGGER IF EXISTS monitoring_card_frozen ON monitoring_card",
    "DROP FUNCTION IF EXISTS monitoring_card_frozen_refuse()",
    "DROP TRIGGER IF EXISTS monitoring_mark_frozen ON monitoring_cardmark",
    "DROP FUNCTION IF EXISTS monitoring_mark_frozen_refuse()",
]
SQLITE_FORWARD = [
    *_sqlite("monitoring_cardmark", "monitoring_mark_frozen", _MARK_LOCKED),
    *_sqlite("monitoring_card", "monitoring_card_frozen", _CARD_LOCKED),
    f"CREATE TRIGGER monitoring_point_frozen_update BEFORE UPDATE ON monitoring_point WHEN {_POINT_CHANGED} "
    f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END",
    "CREATE TRIGGER monitoring_point_frozen_delete BEFORE DELETE ON monitoring_point "
    f"WHEN NOT kezek_ledger_emptying() AND {_POINT_CHANGED} BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "monitoring_point_frozen_delete",
        "monitoring_point_frozen_update",
        *(f"monitoring_{what}_frozen_{op}" for what in ("card", "mark") for op in ("delete", "update", "insert")),
    )
]


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)  # no placeholders: keep PL/pgSQL as is


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_template_v1"), ("ledger", "0006_sqlite_refuses_delete")]

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
