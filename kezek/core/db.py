"""Database helpers for the hottest reads."""

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from django.db import connection


def fetch_prepared(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of a read-only query that runs on almost every request of a public page.

    On PostgreSQL the statement is bound server-side and prepared once per connection (psycopg's
    `prepare=True`; settings: `prepare_threshold`, generic plans), so later calls skip parsing and
    planning, which Django's client-side binding repeats on every call. Other databases use Django's
    cursor. `sql` uses `%s` or `%(name)s` placeholders.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall()
