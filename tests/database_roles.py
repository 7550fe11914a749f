"""The suite as the application role (issue 16, least privilege): a pytest plugin (see tests/conftest.py).

With DATABASE_OWNER_URL set next to a PostgreSQL DATABASE_URL of another role (CI does: `.ci/run`), each
worker's test database is created and migrated by the owner (who needs CREATEDB for that), `db_roles`
grants the application role (DATABASE_URL's) its privileges, and the tests then connect as the
application role. Only the owner may do what the application must not:
- Django's flush at the end of transactional tests (TRUNCATE) runs on a connection of the owner;
- tests marked `database_owner` (tampering as an administrator, the demo's reset) connect as the owner.
Without DATABASE_OWNER_URL everything runs as DATABASE_URL's role, as before.
"""

import os
from collections.abc import Generator, Iterable
from typing import Any, TypedDict

import dj_database_url
import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.operations import DatabaseOperations
from pytest_django import DjangoDbBlocker

OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")
OWNER, APP = "owner", "app"


class Credentials(TypedDict):
    USER: str
    PASSWORD: str


class _Roles:
    """Both roles' credentials (when split), the one connected now and the one the current test wants."""

    credentials: dict[str, Credentials] = {}
    current = APP
    wanted = APP
    ready = False  # the test database exists and has its grants


def roles_split() -> bool:
    """The suite runs as the application role, with DATABASE_OWNER_URL for what only the owner may do."""
    return bool(_Roles.credentials)


def _split_configured() -> bool:
    default = settings.DATABASES[DEFAULT_DB_ALIAS]
    if not OWNER_URL or default["ENGINE"] != "django.db.backends.postgresql":
        return False
    return bool(dj_database_url.parse(OWNER_URL)["USER"] != default["USER"])


def role_names() -> tuple[str, str]:
    """(owner, application) role names of a split run."""
    return _Roles.credentials[OWNER]["USER"], _Roles.credentials[APP]["USER"]


def _connect_as(role: str) -> None:
    """The default connection (and every thread's new one) as `role` from its next query on."""
    if _Roles.current == role:
        return
    connections[DEFAULT_DB_ALIAS].close()
    for settings_dict in (connections[DEFAULT_DB_ALIAS].settings_dict, settings.DATABASES[DEFAULT_DB_ALIAS]):
        settings_dict.update(_Roles.credentials[role])
    _Roles.current = role


def owner_conninfo() -> dict[str, Any]:
    """psycopg.connect() keywords for the owner on the test database."""
    settings_dict = connections[DEFAULT_DB_ALIAS].settings_dict
    return {
        "dbname": settings_dict["NAME"],
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
        "user": _Roles.credentials[OWNER]["USER"],
        "password": _Roles.credentials[OWNER]["PASSWORD"] or None,
    }


def _flush_as_owner(self: DatabaseOperations, sql_list: Iterable[str]) -> None:
    """Django's flush statements (TRUNCATE …), run by the owner. The lock timeout turns a connection left
    inside a transaction into an error instead of a hang."""
    with psycopg.connect(**owner_conninfo(), options="-c lock_timeout=60s") as conn:
        for sql in sql_list:
            conn.execute(sql)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Before the test databases are created: connect as the owner, who creates and migrates them."""
    if not _split_configured():
        return
    default = settings.DATABASES[DEFAULT_DB_ALIAS]
    owner = dj_database_url.parse(OWNER_URL)
    _Roles.credentials = {
        APP: {"USER": default["USER"], "PASSWORD": default["PASSWORD"]},
        OWNER: {"USER": owner["USER"], "PASSWORD": owner["PASSWORD"]},
    }
    _Roles.current = APP
    _connect_as(OWNER)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Generator[None]:
    """After the owner created and migrated the test database: the grants, then the application role."""
    if not roles_split():
        yield
        return
    owner, app = role_names()
    with django_db_blocker.unblock():
        call_command("db_roles", owner=owner, app=app, verbosity=0)
    # On the class: a thread's or greenlet's own connection (live server, Playwright) flushes as well.
    DatabaseOperations.execute_sql_flush = _flush_as_owner  # type: ignore[method-assign,assignment]
    _Roles.ready = True
    _connect_as(_Roles.wanted)
    yield
    _connect_as(OWNER)  # the owner drops the test database


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None]:
    """Before the test's fixtures (its transaction): connect as the role it needs."""
    _Roles.wanted = OWNER if item.get_closest_marker("database_owner") else APP
    if _Roles.ready:
        _connect_as(_Roles.wanted)
    return (yield)
