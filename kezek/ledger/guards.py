"""The ledger may be emptied as a whole, for a reset, but no event ever deleted (append-only, on both
databases).

PostgreSQL refuses DELETE of events and of the head by trigger (migration 0002) and allows TRUNCATE, which
Django's `flush` and `seed_demo --reset` use. SQLite has no TRUNCATE, so its DELETE triggers (migration
0006) ask `kezek_ledger_emptying()`, an SQL function every Django connection to SQLite defines: it
answers 1 only inside `ledger_emptying()` — `flush` (this app's override of the command) and the demo's
reset. Any other DELETE is refused; from a tool without the function (the sqlite3 shell) too, with "no
such function".
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

SQLITE_FUNCTION = "kezek_ledger_emptying"

_emptying: ContextVar[bool] = ContextVar("ledger_emptying", default=False)


@contextmanager
def ledger_emptying() -> Iterator[None]:
    """Within the block, SQLite's ledger triggers let DELETE through (to empty the whole ledger)."""
    token = _emptying.set(True)
    try:
        yield
    finally:
        _emptying.reset(token)


def sqlite_function_define(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: define the SQL function SQLite's ledger triggers ask."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 0, lambda: int(_emptying.get()))
