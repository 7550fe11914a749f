"""Bulk writing of plain rows into a model's table: COPY FROM STDIN on PostgreSQL, batched INSERTs elsewhere.

Used where a million rows must be written in seconds (the demo queue, the ledger's batched appends, the
yearly confirmation's sweep and notification fan-out). Rows are written as given: no model `save()`, no
signals, no `auto_now` — callers pass every value.
"""

import json
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.db import connection
from django.db.models import Field, JSONField, Model

BATCH_SIZE = 5_000


class JsonText(str):
    """A JSON column's value given as its JSON text already (a bulk caller that has serialised it, e.g. to
    hash it): written as is, not serialised again."""


class TableWriter(Protocol):
    """Bulk writer of plain rows into one model's table."""

    def allocate_ids(self, model: type[Model], count: int) -> list[int]:
        """`count` new primary keys of `model`'s table, in increasing order."""

    def insert(self, model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
        """Insert rows of Python values for `columns` (field attnames); return how many were written."""


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return field


def _columns(model: type[Model], columns: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(_field(model, name).column) for name in columns)


def _sequence_ids(model: type[Model], count: int) -> list[int]:
    """PostgreSQL: draw `count` values from the table's id sequence (never reused, like any insert)."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


class CopyTableWriter:
    """PostgreSQL: COPY FROM STDIN; dict values (JSON columns) are sent as JSON text."""

    def allocate_ids(self, model: type[Model], count: int) -> list[int]:
        return _sequence_ids(model, count)

    def insert(self, model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
        json_columns = [i for i, name in enumerate(columns) if isinstance(_field(model, name), JSONField)]
        written = 0
        sql = f"COPY {_table(model)} ({_columns(model, columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                if json_columns:
                    row = list(row)
                    for i in json_columns:
                        if not isinstance(row[i], JsonText):
                            row[i] = json.dumps(row[i], ensure_ascii=False, separators=(",", ":"))
                copy.write_row(row)
                written += 1
        return written


class InsertTableWriter:
    """Any database: batched multi-row INSERTs (`executemany`), values adapted by the model's fields.

    Not `bulk_create`: it would overwrite `auto_now_add` columns with the load time, and the ledger's
    manager refuses it on purpose.
    """

    def allocate_ids(self, model: type[Model], count: int) -> list[int]:
        if connection.vendor == "postgresql":
            return _sequence_ids(model, count)
        table = model._meta.db_table
        with connection.cursor() as cursor:
            pk = connection.ops.quote_name(model._meta.pk.column)
            cursor.execute(f"SELECT MAX({pk}) FROM {_table(model)}")  # noqa: S608
            highest = cursor.fetchone()[0] or 0
            if connection.vendor == "sqlite":  # AUTOINCREMENT: ids of deleted rows are not reused either
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                highest = max(highest, row[0] if row else 0)
        return list(range(highest + 1, highest + 1 + count))

    def insert(self, model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
        fields = [_field(model, name) for name in columns]
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {_table(model)} ({_columns(model, columns)}) VALUES ({marks})"  # noqa: S608
        written = 0
        batch: list[list[Any]] = []
        with connection.cursor() as cursor:
            for row in rows:
                batch.append(
                    [
                        field.get_db_prep_save(
                            json.loads(value) if isinstance(value, JsonText) else value, connection
                        )
                        for field, value in zip(fields, row, strict=True)
                    ]
                )
                if len(batch) >= BATCH_SIZE:
                    cursor.executemany(sql, batch)
                    written += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                written += len(batch)
        return written


def table_writer(*, use_copy: bool | None = None) -> TableWriter:
    """COPY on PostgreSQL (unless `use_copy=False`), batched INSERTs elsewhere."""
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    if use_copy and connection.vendor != "postgresql":
        raise ValueError("COPY needs PostgreSQL")
    return CopyTableWriter() if use_copy else InsertTableWriter()
