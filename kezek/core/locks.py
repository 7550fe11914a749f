"""The one shape of a row lock: `SELECT … FOR [NO KEY] UPDATE OF <the main table>`.

Only the apps' `locks.py` modules call `locked` (a test scans the source): each names what it locks and
in which order. `of=("self",)` locks the queried model's rows only, never the rows a `select_related`
joins (PostgreSQL would lock those too, out of order). SQLite ignores row locks (one writer at a time).

Lock order, everywhere (no deadlocks): a group (facilities; several: by primary key) → a publication, a
direction, places, an enrolment, a medical indication (placement) → a campaign (confirmation) → a cohort's
counter (waitlist; several: by birth year) → applications (by primary key) → a benefit claim, an applicant
→ the ledger head, always last.
"""

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def locked(rows: QuerySet[M], *, skip_locked: bool = False, no_key: bool = False) -> QuerySet[M]:
    """`rows` locked when read: FOR UPDATE of the main table only; `skip_locked` passes over rows others
    hold; `no_key` (FOR NO KEY UPDATE) does not block inserts whose foreign keys point at the rows."""
    return rows.select_for_update(of=("self",), skip_locked=skip_locked, no_key=no_key)
