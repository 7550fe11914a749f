"""A direction's facts are frozen in the database (P4), whatever code path or SQL session tries:

- `placement_direction_frozen` refuses an UPDATE that changes its number, place, group, application,
  issue time, `latest_valid_until` or verification code; that lowers `valid_until`, or changes it on a
  direction that is no longer live (only an extension moves it, and only forward); that changes a closed
  direction's state, closing time or reason (a dead direction never comes back); that returns it to
  `benefit_confirmation`, or enrols it from any state but `awaiting_enrollment`.
- `placement_direction_within_max_days` refuses an INSERT whose `latest_valid_until` lies further after
  its issue than the locality's `direction_max_days` (30 without settings, as the model's default).
- The CHECK `direction_within_max_days` (model Meta) caps it at the most the settings allow (90 days).

With `valid_until <= latest_valid_until` (CHECK `direction_validity_order`), a direction is never valid
longer than its locality allowed when it was issued.

The SQL is frozen here. Note for future migrations: SQLite rebuilds a table on most ALTERs (AddField,
AddConstraint, …), which drops its triggers; such a migration on `placement_direction` must create both
triggers again.
"""

import datetime

import django.db.models.expressions
from django.db import migrations, models

LIVE = "('benefit_confirmation', 'awaiting_enrollment')"
DEFAULT_MAX_DAYS = 30  # PlacementSettings.direction_max_days' default, for a locality without settings


def _changed(distinct: str, instant: str) -> str:
    """The trigger's WHEN condition; `distinct` is the vendor's null-safe "differs" operator, `instant`
    what makes a stored datetime comparable."""
    return f"""
        NEW.id <> OLD.id OR NEW.place_id <> OLD.place_id OR NEW.group_id <> OLD.group_id
        OR NEW.application_id <> OLD.application_id OR NEW.issued_at <> OLD.issued_at
        OR NEW.latest_valid_until <> OLD.latest_valid_until OR NEW.verification_code <> OLD.verification_code
        OR {instant}(NEW.valid_until) < {instant}(OLD.valid_until)
        OR (NEW.valid_until <> OLD.valid_until AND OLD.state NOT IN {LIVE})
        OR (OLD.state NOT IN {LIVE} AND (NEW.state <> OLD.state OR NEW.closed_at {distinct} OLD.closed_at
                                         OR NEW.reason <> OLD.reason))
        OR (NEW.state = 'benefit_confirmation' AND OLD.state <> 'benefit_confirmation')
        OR (NEW.state = 'enrolled' AND OLD.state NOT IN ('enrolled', 'awaiting_enrollment'))
    """


FROZEN_MESSAGE = (
    "a direction''s number, place, group, application, issue time, latest validity and code never change; "
    "its validity only grows while it is live, and a closed direction stays closed (P4)"
)
MAX_DAYS_MESSAGE = "a direction may not be valid longer than the locality''s direction_max_days (P4)"
MAX_DAYS_SQL = f"""
    COALESCE((SELECT s.direction_max_days FROM placement_placementsettings s
              JOIN waitlist_application a ON a.locality_id = s.locality_id
              WHERE a.id = NEW.application_id), {DEFAULT_MAX_DAYS})
"""

POSTGRES_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION placement_direction_refuse_frozen() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{FROZEN_MESSAGE}' USING ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    f"""
    CREATE TRIGGER placement_direction_frozen
        BEFORE UPDATE ON placement_direction
        FOR EACH ROW WHEN ({_changed("IS DISTINCT FROM", "")})
        EXECUTE FUNCTION placement_direction_refuse_frozen()
    """,
    f"""
    CREATE OR REPLACE FUNCTION placement_direction_check_max_days() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.latest_valid_until > NEW.issued_at + make_interval(hours => 24 * {MAX_DAYS_SQL}) THEN
            RAISE EXCEPTION '{MAX_DAYS_MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE TRIGGER placement_direction_within_max_days
        BEFORE INSERT ON placement_direction
        FOR EACH ROW EXECUTE FUNCTION placement_direction_check_max_days()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS placement_direction_within_max_days ON placement_direction",
    "DROP FUNCTION IF EXISTS placement_direction_check_max_days()",
    "DROP TRIGGER IF EXISTS placement_direction_frozen ON placement_direction",
    "DROP FUNCTION IF EXISTS placement_direction_refuse_frozen()",
]
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER placement_direction_frozen BEFORE UPDATE ON placement_direction
    WHEN {_changed("IS NOT", "julianday")}
    BEGIN
        SELECT RAISE(ABORT, '{FROZEN_MESSAGE}');
    END
    """,
    # Datetimes are text here; julianday() reads them to the millisecond: one second of tolerance.
    f"""
    CREATE TRIGGER placement_direction_within_max_days BEFORE INSERT ON placement_direction
    WHEN julianday(NEW.latest_valid_until) - julianday(NEW.issued_at) > {MAX_DAYS_SQL} + 1.0 / 86400
    BEGIN
        SELECT RAISE(ABORT, '{MAX_DAYS_MESSAGE}');
    END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS placement_direction_within_max_days",
    "DROP TRIGGER IF EXISTS placement_direction_frozen",
]


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)  # no placeholders: keep PL/pgSQL as is


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0002_group_closure"),
        ("placement", "0004_place_withdrawn"),
        ("waitlist", "0006_frozen_trigger_when"),
    ]

    operations = [
        # First: on SQLite adding a constraint rebuilds the table, which would drop the triggers.
        migrations.AddConstraint(
            model_name="direction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "latest_valid_until__lte",
                        django.db.models.expressions.CombinedExpression(
                            models.F("issued_at"), "+", models.Value(datetime.timedelta(days=90))
                        ),
                    )
                ),
                name="direction_within_max_days",
            ),
        ),
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
