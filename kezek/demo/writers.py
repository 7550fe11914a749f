"""Writing the generated rows: COPY FROM STDIN on PostgreSQL; `bulk_create` / batched INSERTs elsewhere.

Both writers of each kind take the same rows and return the same things, so the data does not depend on
the database; only the speed does.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from django.db import connection, models

from kezek.ledger.guards import ledger_emptying
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


def frozen_tables_empty(tables: Sequence[type[models.Model]], *, cascade: bool = False) -> None:
    """Empty tables whose rows triggers freeze (the demo's reset): TRUNCATE on PostgreSQL (row triggers do
    not fire; `cascade` takes the tables that reference them too), DELETE while the database is being
    emptied on SQLite (`ledger_emptying`: the triggers allow it then)."""
    if connection.vendor == "postgresql":
        names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending on these tables
            cursor.execute(f"TRUNCATE {names}{' CASCADE' if cascade else ''}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        with ledger_emptying():
            for model in tables:
                model._default_manager.all().delete()
