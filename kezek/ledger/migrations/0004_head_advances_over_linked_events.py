"""The ledger head may advance by several events at once (`ledger_append_many`), along a linked chain.

0002's `ledger_head_check_advance` accepted only `last_seq = OLD.last_seq + 1`, so a bulk append of k > 1
events (one head update after one COPY) was refused on PostgreSQL ("may only advance by one"). Now the
head may move forward to any newer event when every event in between exists (no gap) and each links to
the one before, the first to the old head's hash: the same guarantee, checked over the k new events.
"""

from django.db import migrations

ADVANCE_MANY = """
CREATE OR REPLACE FUNCTION ledger_head_check_advance() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger_head cannot be deleted' USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.id <> OLD.id
       OR NEW.last_seq <= OLD.last_seq
       OR NOT EXISTS (SELECT 1 FROM ledger_event WHERE seq = NEW.last_seq AND hash = NEW.last_hash)
       OR NOT EXISTS (
           SELECT 1 FROM ledger_event WHERE seq = OLD.last_seq + 1 AND prev_hash = OLD.last_hash
       )
       OR (SELECT count(*) FROM ledger_event WHERE seq > OLD.last_seq AND seq <= NEW.last_seq)
          <> NEW.last_seq - OLD.last_seq
       OR EXISTS (
           SELECT 1 FROM ledger_event e JOIN ledger_event p ON p.seq = e.seq - 1
           WHERE e.seq > OLD.last_seq + 1 AND e.seq <= NEW.last_seq AND e.prev_hash <> p.hash
       )
    THEN
        RAISE EXCEPTION 'ledger_head may only advance to a newer event, along the chain'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$
"""

ADVANCE_ONE = """
CREATE OR REPLACE FUNCTION ledger_head_check_advance() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger_head cannot be deleted' USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.id <> OLD.id
       OR NEW.last_seq <> OLD.last_seq + 1
       OR NOT EXISTS (
           SELECT 1 FROM ledger_event
           WHERE seq = NEW.last_seq AND hash = NEW.last_hash AND prev_hash = OLD.last_hash
       )
    THEN
        RAISE EXCEPTION 'ledger_head may only advance by one, to the newest event'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$
"""


def _run(schema_editor, statement):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(statement, params=None)  # no placeholders: keep PL/pgSQL as is


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_verification_runs")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: _run(schema_editor, ADVANCE_MANY),
            lambda apps, schema_editor: _run(schema_editor, ADVANCE_ONE),
        ),
    ]
