"""Writing the generated rows: COPY FROM STDIN on PostgreSQL; `bulk_create` / batched INSERTs elsewhere.

Both writers of each kind take the same rows and return the same things, so the data does not depend on
the database; only the speed does.
"""

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.db import connection
from django.db.models import Field, JSONField, Model

from kezek.registry.models import RegistryBenefit, RegistryKinship, RegistryPerson

from .generate import PersonRow

BATCH_SIZE = 5_000

BenefitValues = tuple[int, str, dt.date, dt.date | None]  # (person id, category, valid_from, valid_to)


class RegistryWriter(Protocol):
    def write_persons(self, rows: Sequence[PersonRow]) -> list[int]:
        """Insert the persons; return their ids in the order of `rows`."""

    def write_kinships(self, rows: Sequence[tuple[int, int]]) -> None:
        """Insert (parent id, child id) links."""

    def write_benefits(self, rows: Sequence[BenefitValues]) -> None:
        """Insert benefit records."""


class OrmRegistryWriter:
    """`bulk_create` in batches (any database; SQLite ≥ 3.35 and PostgreSQL return the new ids)."""

    def write_persons(self, rows: Sequence[PersonRow]) -> list[int]:
        objs = [
            RegistryPerson(
                iin=row.iin,
                last_name=row.last_name,
                first_name=row.first_name,
                middle_name=row.middle_name,
                birth_date=row.birth_date,
                sex=row.sex,
            )
            for row in rows
        ]
        RegistryPerson.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        if all(obj.pk is not None for obj in objs):
            return [obj.pk for obj in objs]
        # A database that cannot return ids from a bulk insert: look them up by IIN.
        ids = dict(RegistryPerson.objects.filter(iin__in=[row.iin for row in rows]).values_list("iin", "id"))
        return [ids[row.iin] for row in rows]

    def write_kinships(self, rows: Sequence[tuple[int, int]]) -> None:
        RegistryKinship.objects.bulk_create(
            [RegistryKinship(parent_id=parent, child_id=child) for parent, child in rows],
            batch_size=BATCH_SIZE,
        )

    def write_benefits(self, rows: Sequence[BenefitValues]) -> None:
        RegistryBenefit.objects.bulk_create(
            [
                RegistryBenefit(person_id=person, category=category, valid_from=start, valid_to=end)
                for person, category, start, end in rows
            ],
            batch_size=BATCH_SIZE,
        )


class CopyRegistryWriter:
    """PostgreSQL: COPY FROM STDIN through psycopg 3; person ids are drawn from the table's sequence first."""

    def __init__(self) -> None:
        qn = connection.ops.quote_name
        self._person_table = qn(RegistryPerson._meta.db_table)
        self._kinship_table = qn(RegistryKinship._meta.db_table)
        self._benefit_table = qn(RegistryBenefit._meta.db_table)
        self._person_table_name = RegistryPerson._meta.db_table

    def write_persons(self, rows: Sequence[PersonRow]) -> list[int]:
        if not rows:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [self._person_table_name, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            sql = (
                f"COPY {self._person_table} (id, iin, last_name, first_name, middle_name, birth_date, sex) "
                "FROM STDIN"
            )
            with cursor.cursor.copy(sql) as copy:
                for person_id, row in zip(ids, rows, strict=True):
                    copy.write_row((person_id, *row))
        return ids

    def write_kinships(self, rows: Sequence[tuple[int, int]]) -> None:
        self._copy(f"COPY {self._kinship_table} (parent_id, child_id) FROM STDIN", rows)

    def write_benefits(self, rows: Sequence[BenefitValues]) -> None:
        self._copy(f"COPY {self._benefit_table} (person_id, category, valid_from, valid_to) FROM STDIN", rows)

    @staticmethod
    def _copy(sql: str, rows: Sequence[Sequence[object]]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


def registry_writer(*, use_copy: bool | None = None) -> RegistryWriter:
    """COPY on PostgreSQL (unless `use_copy=False`), `bulk_create` elsewhere."""
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    if use_copy and connection.vendor != "postgresql":
        raise ValueError("COPY needs PostgreSQL")
    return CopyRegistryWriter() if use_copy else OrmRegistryWriter()


# ------------------------------------------------------------------------------------ other tables


class TableWriter(Protocol):
    """Bulk writer of plain rows into one model's table (the queue and the ledger of the demo)."""

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
                        field.get_db_prep_save(value, connection)
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
