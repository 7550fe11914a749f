"""Least privilege (issue 16): the application role can read and write rows, and nothing else.

When the suite runs as the application role (DATABASE_OWNER_URL, CI), these tests check those very roles
(after running `db_roles` again as the owner: it is idempotent). Otherwise (DATABASE_URL a superuser) they
create two roles of their own for this worker (roles are cluster-wide; workers run in parallel), hand them
the worker's test database with `db_roles`, and give everything back at the end.
"""

import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from tests.database_roles import owner_conninfo, role_names, roles_split

pytestmark = [pytest.mark.postgres, pytest.mark.database_owner, pytest.mark.django_db(transaction=True)]

FORBIDDEN = [
    "TRUNCATE waitlist_application",
    "TRUNCATE ledger_event, ledger_head",
    "ALTER TABLE waitlist_application ADD COLUMN intruder integer",
    "ALTER TABLE ledger_event DISABLE TRIGGER ledger_event_append_only",
    "ALTER TABLE waitlist_application DISABLE TRIGGER ALL",
    "DROP TRIGGER ledger_event_append_only ON ledger_event",
    "SET session_replication_role = replica",  # would skip every trigger
    "UPDATE ledger_event SET kind = kind",
    "DELETE FROM ledger_event",
    "DELETE FROM ledger_head",
    "DROP TABLE waitlist_application",
    "DROP TABLE ledger_event",
    "CREATE TABLE intruder (id integer)",
    "CREATE FUNCTION intruder() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
]


def _superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


@pytest.fixture
def roles() -> Iterator[tuple[str, dict[str, Any]]]:
    """(application role name, psycopg.connect keywords for it), after `db_roles` on the test database."""
    if roles_split():
        owner, app = role_names()
        call_command("db_roles", owner=owner, app=app, verbosity=0)  # as the owner: the grants again
        yield app, {**owner_conninfo(), "user": app, "password": None}
        return
    if not _superuser():
        pytest.skip("creating roles needs a superuser DATABASE_URL (or DATABASE_OWNER_URL: the split roles)")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    owner, app = f"kezek_test_owner_{worker}", f"kezek_test_app_{worker}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{app}", "{owner}"')  # left by an interrupted run
    call_command("db_roles", owner=owner, app=app, verbosity=0)
    settings_dict = connection.settings_dict
    conninfo = {"dbname": settings_dict["NAME"], "host": settings_dict["HOST"] or None, "user": app}
    try:
        yield app, {**conninfo, "port": settings_dict["PORT"] or None}
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'REASSIGN OWNED BY "{owner}" TO current_user')
            cursor.execute(f'DROP OWNED BY "{app}"')  # one at a time: the owner's default ACL names the app
            cursor.execute(f'DROP OWNED BY "{owner}"')
            cursor.execute(f'DROP ROLE "{app}", "{owner}"')


def test_the_application_role_cannot_truncate_alter_disable_triggers_or_change_the_ledger(
    roles: tuple[str, dict[str, Any]],
) -> None:
    _app, conninfo = roles
    allowed = []
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        for statement in FORBIDDEN:
            try:
                conn.execute(statement)
            except psycopg.errors.InsufficientPrivilege:
                continue
            allowed.append(statement)
    assert allowed == []


def test_the_application_role_reads_and_writes_rows_and_appends_to_the_ledger(
    roles: tuple[str, dict[str, Any]],
) -> None:
    _app, conninfo = roles
    with psycopg.connect(**conninfo) as conn, conn.transaction(force_rollback=True):
        conn.execute("SELECT count(*) FROM waitlist_application")
        conn.execute("INSERT INTO django_content_type (app_label, model) VALUES ('roles', 'probe')")
        conn.execute("UPDATE django_content_type SET model = 'probed' WHERE app_label = 'roles'")
        conn.execute("DELETE FROM django_content_type WHERE app_label = 'roles'")
        conn.execute("SELECT count(*) FROM ledger_event")
        conn.execute("SELECT * FROM ledger_head FOR UPDATE")  # how appends serialise
        conn.execute("SELECT id FROM django_tasks_database_dbtaskresult LIMIT 1 FOR UPDATE SKIP LOCKED")
        conn.execute("DELETE FROM django_session")
        conn.execute("DELETE FROM captcha_captchastore")


def test_the_application_role_owns_nothing_and_has_no_powers(roles: tuple[str, dict[str, Any]]) -> None:
    app, _conninfo = roles
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid)"
            " + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)"
            " + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid)"
            " + (SELECT count(*) FROM pg_database WHERE datdba = r.oid),"
            " rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls OR rolreplication"
            " FROM pg_roles r WHERE rolname = %s",
            [app],
        )
        assert cursor.fetchone() == (0, False)
