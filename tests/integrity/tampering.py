"""Tampering as a database administrator would: with the tables' triggers out of the way."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import Model


@contextmanager
def triggers_off(*models: type[Model]) -> Iterator[None]:
    """Inside the test's transaction: PostgreSQL `DISABLE TRIGGER USER`; SQLite drops the triggers and
    creates them again (its DDL is transactional, so the test's rollback restores them anyway)."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses a table with deferred constraint checks pending in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            try:
                yield
            finally:
                for table in tables:
                    cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
            return
        marks = ", ".join(["%s"] * len(tables))
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})",  # noqa: S608
            tables,
        )
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            yield
        finally:
            for _name, sql in triggers:
                cursor.execute(sql)


def tamper(model: type[Model], pk: object, **fields: object) -> None:
    """UPDATE one row behind the services' back."""
    with triggers_off(model):
        assert model._default_manager.filter(pk=pk).update(**fields) == 1
