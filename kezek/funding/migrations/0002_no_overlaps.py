"""E20/E21: no two rates of one key, and no two terms of one locality, valid on the same day.

PostgreSQL: exclusion constraints over the validity as a `daterange` (btree_gist for the equality parts).
SQLite: BEFORE INSERT/UPDATE triggers that abort on an overlap. The service checks first (a 409 with a
translated message); these are the guarantee behind it.
"""

from django.db import migrations

PG = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE funding_rate ADD CONSTRAINT funding_rate_no_overlap EXCLUDE USING gist (
        locality_id WITH =, ownership WITH =, group_kind WITH =, stay_mode WITH =,
        int4range(age_from, age_to) WITH &&, daterange(valid_from, valid_until) WITH &&)""",
    """ALTER TABLE funding_terms ADD CONSTRAINT funding_terms_no_overlap EXCLUDE USING gist (
        locality_id WITH =, daterange(valid_from, valid_until) WITH &&)""",
]
PG_REVERSE = [
    "ALTER TABLE funding_rate DROP CONSTRAINT funding_rate_no_overlap",
    "ALTER TABLE funding_terms DROP CONSTRAINT funding_terms_no_overlap",
]

_RATE_OVERLAP = """
SELECT RAISE(ABORT, 'funding_rate_no_overlap') WHERE EXISTS (
  SELECT 1 FROM funding_rate r WHERE r.id IS NOT NEW.id AND r.locality_id = NEW.locality_id
    AND r.ownership = NEW.ownership AND r.group_kind = NEW.group_kind AND r.stay_mode = NEW.stay_mode
    AND r.age_from < NEW.age_to AND NEW.age_from < r.age_to
    AND (r.valid_until IS NULL OR r.valid_until > NEW.valid_from)
    AND (NEW.valid_until IS NULL OR NEW.valid_until > r.valid_from));
"""
_TERMS_OVERLAP = """
SELECT RAISE(ABORT, 'funding_terms_no_overlap') WHERE EXISTS (
  SELECT 1 FROM funding_terms t WHERE t.id IS NOT NEW.id AND t.locality_id = NEW.locality_id
    AND (t.valid_until IS NULL OR t.valid_until > NEW.valid_from)
    AND (NEW.valid_until IS NULL OR NEW.valid_until > t.valid_from));
"""
SQLITE = [
    f"CREATE TRIGGER funding_rate_no_overlap_ins BEFORE INSERT ON funding_rate BEGIN {_RATE_OVERLAP} END",
    f"CREATE TRIGGER funding_rate_no_overlap_upd BEFORE UPDATE ON funding_rate BEGIN {_RATE_OVERLAP} END",
    f"CREATE TRIGGER funding_terms_no_overlap_ins BEFORE INSERT ON funding_terms BEGIN {_TERMS_OVERLAP} END",
    f"CREATE TRIGGER funding_terms_no_overlap_upd BEFORE UPDATE ON funding_terms BEGIN {_TERMS_OVERLAP} END",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER {name}"
    for name in (
        "funding_rate_no_overlap_ins",
        "funding_rate_no_overlap_upd",
        "funding_terms_no_overlap_ins",
        "funding_terms_no_overlap_upd",
    )
]


def _run(statements_by_vendor):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG, "sqlite": SQLITE}),
            _run({"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
