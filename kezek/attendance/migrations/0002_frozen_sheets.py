"""A submitted or locked month's sheet is frozen in the database (E13, E16), whatever code path or SQL
session tries:

- `attendance_mark_frozen` refuses an INSERT, UPDATE or DELETE of a mark whose group's month (old or new
  day) is submitted or locked: after the submission a change is a correction (a new record).
- `attendance_correction_frozen` refuses an UPDATE or DELETE of a correction (append-only).
- `attendance_timesheet_frozen` refuses to change a locked month, a month's sheet hash once set, or to
  reopen a submitted month.

On SQLite a DELETE goes through while the whole database is emptied (`kezek.ledger.guards.
ledger_emptying`: `flush`, the demo's reset), as PostgreSQL's TRUNCATE does (row triggers do not fire).

The integrity check still recomputes each frozen sheet's hash (E15): a DBA who disables the triggers is
caught by it. Note for future migrations: SQLite rebuilds a table on most ALTERs, which drops its
triggers; such a migration must create them again.
"""

from django.db import migrations

FROZEN = "a submitted or locked month''s marks never change: record a correction instead (E13, E16)"
APPEND_ONLY = "a correction is never changed nor deleted (E16)"
MONTH = (
    "a locked month, or a month''s sheet hash once set, never changes; a submitted month never reopens (E13)"
)


def _closed(ref: str, month_of: str) -> str:
    return f"""EXISTS (SELECT 1 FROM attendance_timesheetmonth t WHERE t.group_id = {ref}.group_id
               AND t.month = {month_of} AND t.state <> 'open')"""


_MONTH_CHANGED = """OLD.state = 'locked' OR (OLD.sheet_sha256 <> '' AND NEW.sheet_sha256 <> OLD.sheet_sha256)
    OR (OLD.state <> 'open' AND NEW.state = 'open') OR NEW.group_id <> OLD.group_id OR NEW.month <> OLD.month"""

POSTGRES_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION attendance_mark_refuse_frozen() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND {_closed("OLD", "date_trunc('month', OLD.day)::date")} THEN
            RAISE EXCEPTION '{FROZEN}' USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP <> 'DELETE' AND {_closed("NEW", "date_trunc('month', NEW.day)::date")} THEN
            RAISE EXCEPTION '{FROZEN}' USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE TRIGGER attendance_mark_frozen BEFORE INSERT OR UPDATE OR DELETE ON attendance_mark
        FOR EACH ROW EXECUTE FUNCTION attendance_mark_refuse_frozen()
    """,
    f"""
    CREATE OR REPLACE FUNCTION attendance_correction_refuse() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    """
    CREATE TRIGGER attendance_correction_frozen BEFORE UPDATE OR DELETE ON attendance_correction
        FOR EACH ROW EXECUTE FUNCTION attendance_correction_refuse()
    """,
    f"""
    CREATE OR REPLACE FUNCTION attendance_timesheet_refuse() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MONTH}' USING ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    f"""
    CREATE TRIGGER attendance_timesheet_frozen BEFORE UPDATE ON attendance_timesheetmonth
        FOR EACH ROW WHEN ({_MONTH_CHANGED})
        EXECUTE FUNCTION attendance_timesheet_refuse()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS attendance_timesheet_frozen ON attendance_timesheetmonth",
    "DROP FUNCTION IF EXISTS attendance_timesheet_refuse()",
    "DROP TRIGGER IF EXISTS attendance_correction_frozen ON attendance_correction",
    "DROP FUNCTION IF EXISTS attendance_correction_refuse()",
    "DROP TRIGGER IF EXISTS attendance_mark_frozen ON attendance_mark",
    "DROP FUNCTION IF EXISTS attendance_mark_refuse_frozen()",
]
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER attendance_mark_frozen_insert BEFORE INSERT ON attendance_mark
    WHEN {_closed("NEW", "date(NEW.day, 'start of month')")}
    BEGIN
        SELECT RAISE(ABORT, '{FROZEN}');
    END
    """,
    f"""
    CREATE TRIGGER attendance_mark_frozen_update BEFORE UPDATE ON attendance_mark
    WHEN {_closed("OLD", "date(OLD.day, 'start of month')")} OR {_closed("NEW", "date(NEW.day, 'start of month')")}
    BEGIN
        SELECT RAISE(ABORT, '{FROZEN}');
    END
    """,
    f"""
    CREATE TRIGGER attendance_mark_frozen_delete BEFORE DELETE ON attendance_mark
    WHEN NOT kezek_ledger_emptying() AND {_closed("OLD", "date(OLD.day, 'start of month')")}
    BEGIN
        SELECT RAISE(ABORT, '{FROZEN}');
    END
    """,
    f"""
    CREATE TRIGGER attendance_correction_frozen_update BEFORE UPDATE ON attendance_correction
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY}');
    END
    """,
    f"""
    CREATE TRIGGER attendance_correction_frozen_delete BEFORE DELETE ON attendance_correction
    WHEN NOT kezek_ledger_emptying()
    BEGIN
        SELECT RAISE(ABORT, '{APPEND_ONLY}');
    END
    """,
    f"""
    CREATE TRIGGER attendance_timesheet_frozen BEFORE UPDATE ON attendance_timesheetmonth
    WHEN {_MONTH_CHANGED}
    BEGIN
        SELECT RAISE(ABORT, '{MONTH}');
    END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS attendance_timesheet_frozen",
    "DROP TRIGGER IF EXISTS attendance_correction_frozen_delete",
    "DROP TRIGGER IF EXISTS attendance_correction_frozen_update",
    "DROP TRIGGER IF EXISTS attendance_mark_frozen_delete",
    "DROP TRIGGER IF EXISTS attendance_mark_frozen_update",
    "DROP TRIGGER IF EXISTS attendance_mark_frozen_insert",
]


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)  # no placeholders: keep PL/pgSQL as is


class Migration(migrations.Migration):
    dependencies = [("attendance", "0001_initial"), ("ledger", "0006_sqlite_refuses_delete")]

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
