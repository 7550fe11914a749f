"""The month's calculation (E22–E24) and the canonical form of a statement (E27), without side effects.

Counting is done in SQL (GROUP BY over the month's marks, one batch of groups at a time); the amount of
each child's month is computed here with `Decimal` (`child_amount`), so PostgreSQL and SQLite give the same
tiyn. Nothing here writes: `services` does, in bulk.
"""

import calendar
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from django.db import connection

from kezek.attendance.models import Correction, DutyDay, Mark
from kezek.attendance.selectors import is_group_working_day, month_days
from kezek.facilities.models import Group

from .models import Rate, Statement, StatementRow, Terms

TIYN = Decimal("0.01")
GROUP_BATCH = 2000  # groups aggregated per query: bounded memory at a country's scale


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def child_amount(*, normative: Decimal, paid_days: int, working_days: int) -> Decimal:
    """E23: normative × paid days / working days, rounded once, to the tiyn, half up (0.005 → 0.01)."""
    return _amount(normative, paid_days, working_days)


@lru_cache(maxsize=65536)
def _amount(normative: Decimal, paid_days: int, working_days: int) -> Decimal:
    if working_days <= 0:
        return Decimal("0.00")
    return (normative * paid_days / working_days).quantize(TIYN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class GroupTerms:
    """What one group's month is paid by: its working days (E12), its rate (E20) and paid reasons (E21)."""

    group_id: int
    organisation_id: int
    locality_id: int
    working_days: int
    rate_id: int | None
    normative: Decimal


def _rate_key(ownership: str, kind: str, stay_mode: str) -> tuple[str, str, str]:
    return ownership, kind, stay_mode


def rates_in_force(*, locality_ids: Iterable[int], month: dt.date) -> dict[int, list[Rate]]:
    """E20/E22: the rates valid on the month's first day, per locality."""
    found: dict[int, list[Rate]] = defaultdict(list)
    rows = Rate.objects.filter(locality_id__in=set(locality_ids), valid_from__lte=month).exclude(
        valid_until__lte=month
    )
    for rate in rows:
        found[rate.locality_id].append(rate)
    return found


def paid_reasons_in_force(*, locality_ids: Iterable[int], month: dt.date) -> dict[int, frozenset[str]]:
    """E21: the absence reasons paid in the month, per locality (none when the locality has no terms)."""
    rows = Terms.objects.filter(locality_id__in=set(locality_ids), valid_from__lte=month).exclude(
        valid_until__lte=month
    )
    return {terms.locality_id: frozenset(terms.paid_reasons) for terms in rows}


def rate_for(
    rates: Sequence[Rate], *, ownership: str, kind: str, stay_mode: str, age_from: int
) -> Rate | None:
    """E22: the group's rate: same ownership, kind and stay mode, the group's lower age in the rate's band."""
    for rate in rates:
        if (rate.ownership, rate.group_kind, rate.stay_mode) == (ownership, kind, stay_mode) and (
            rate.age_from <= age_from < rate.age_to
        ):
            return rate
    return None


def group_terms(*, group_ids: Iterable[int], month: dt.date) -> dict[int, GroupTerms]:
    """Working days, rate and normative of each group for `month`: the groups and their duty days read in
    two queries (the calendar as `attendance.selectors.working_days` has it, E12)."""
    ids = sorted(set(group_ids))
    groups = list(
        Group.objects.filter(pk__in=ids).values_list(
            "pk", "organisation_id", "organisation__locality_id", "organisation__ownership",
            "organisation__work_week", "kind", "stay_mode", "age_from",
        )
    )  # fmt: skip
    days = month_days(month)
    duty: dict[int, set[dt.date]] = defaultdict(set)
    for group_id, day in DutyDay.objects.filter(
        group_id__in=ids, day__gte=days[0], day__lte=days[-1]
    ).values_list("group_id", "day"):
        duty[group_id].add(day)
    rates = rates_in_force(locality_ids={g[2] for g in groups}, month=month)
    calendar_cache: dict[tuple[str, frozenset[dt.date]], int] = {}
    found = {}
    for pk, organisation_id, locality_id, ownership, work_week, kind, stay_mode, age_from in groups:
        key = (work_week, frozenset(duty.get(pk, ())))
        if key not in calendar_cache:
            calendar_cache[key] = sum(
                1 for day in days if is_group_working_day(day, work_week=work_week, duty_days=key[1])
            )
        rate = rate_for(rates.get(locality_id, []), ownership=ownership, kind=kind, stay_mode=stay_mode,
                        age_from=age_from)  # fmt: skip
        found[pk] = GroupTerms(
            group_id=pk,
            organisation_id=organisation_id,
            locality_id=locality_id,
            working_days=calendar_cache[key],
            rate_id=rate.pk if rate else None,
            normative=rate.amount if rate else Decimal("0.00"),
        )
    return found


class ChildMonth(NamedTuple):
    """One enrolment's month, counted and priced (a REGULAR or CORRECTION row to be). A named tuple: a
    country's month makes a million of them."""

    enrollment_id: int
    child_id: int
    group_id: int
    organisation_id: int
    working_days: int
    present_days: int
    paid_absence_days: int
    rate_id: int | None
    normative: Decimal
    amount: Decimal

    @property
    def paid_days(self) -> int:
        return self.present_days + self.paid_absence_days


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


def _counts_sql(*, n_groups: int, n_paid: int, corrections_upto: dt.date | None) -> str:
    """Per enrolment and group: days present and days absent for a paid reason (E23), optionally with the
    latest correction of each mark shown in a month up to `corrections_upto` (E26)."""
    marks, fixes = _table(Mark), _table(Correction)
    groups = ", ".join(["%s"] * n_groups)
    if corrections_upto is None:
        present, reason, join = "m.present", "m.reason", ""
    else:
        present, reason = (
            "COALESCE(c.present, m.present)",
            "CASE WHEN c.id IS NULL THEN m.reason ELSE c.reason END",
        )
        join = (
            f"LEFT JOIN {fixes} c ON c.id = (SELECT MAX(c2.id) FROM {fixes} c2 "  # noqa: S608
            "WHERE c2.mark_id = m.id AND c2.shown_in <= %s)"
        )
    paid = f"{reason} IN ({', '.join(['%s'] * n_paid)})" if n_paid else "1 = 0"
    return (
        f"SELECT m.enrollment_id, m.child_id, m.group_id, "  # noqa: S608
        f"SUM(CASE WHEN {present} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN NOT ({present}) AND {paid} THEN 1 ELSE 0 END) "
        f"FROM {marks} m {join} "
        f"WHERE m.group_id IN ({groups}) AND m.day >= %s AND m.day <= %s "
        f"GROUP BY m.enrollment_id, m.child_id, m.group_id"
    )


# E23 in SQL, PostgreSQL: the same tiyn as `child_amount` — integers only: tiyn = ⌊(normative in tiyn ×
# paid days × 2 + working days) ÷ (2 × working days)⌋, which is the exact quotient rounded half up.
_INSERT_REGULAR = """
WITH t(group_id, statement_id, wd, rate_id, normative) AS (VALUES {terms}),
a AS (
  SELECT m.enrollment_id, m.child_id, m.group_id,
         SUM(CASE WHEN m.present THEN 1 ELSE 0 END) AS pres,
         SUM(CASE WHEN NOT m.present AND {paid} THEN 1 ELSE 0 END) AS pabs
  FROM {marks} m WHERE m.group_id IN ({groups}) AND m.day >= %s AND m.day <= %s
  GROUP BY m.enrollment_id, m.child_id, m.group_id),
b AS (SELECT a.*, t.statement_id, t.wd, t.rate_id, t.normative, LEAST(a.pres, t.wd) AS p1
      FROM a JOIN t ON t.group_id = a.group_id),
c AS (SELECT b.*, LEAST(b.pabs, b.wd - b.p1) AS p2 FROM b),
ins AS (
  INSERT INTO {rows} (statement_id, kind, for_month, enrollment_id, child_id, group_id, working_days,
    present_days, paid_absence_days, paid_days, rate_id, normative, amount, refunds_id)
  SELECT statement_id, 'regular', %s, enrollment_id, child_id, group_id, wd, p1, p2, p1 + p2, rate_id,
    normative, ((ROUND(normative * 100)::bigint * (p1 + p2) * 2 + wd) / (2 * wd))::numeric / 100, NULL
  FROM c
  RETURNING statement_id, group_id, rate_id, paid_days, amount)
SELECT statement_id, group_id, rate_id, COUNT(*), SUM(paid_days), SUM(amount) FROM ins
GROUP BY statement_id, group_id, rate_id
"""


def regular_rows_insert_sql(
    *, month: dt.date, terms: dict[int, GroupTerms], statement_ids: dict[int, int], paid: Sequence[str],
    group_ids: Sequence[int],
) -> list[tuple[int, int, int | None, int, int, Decimal]]:  # fmt: skip
    """PostgreSQL: count, price and insert the REGULAR rows of `group_ids` (one locality) in one statement
    (E23, the same figures as `child_months_batches` + `child_amount`). Returns what was written, summed per
    statement, group and rate: (statement, group, rate, rows, paid days, amount)."""
    from .models import StatementRow

    values = ", ".join(["(%s::bigint, %s::bigint, %s::int, %s::bigint, %s::numeric)"] * len(group_ids))
    params: list[Any] = []
    for group_id in group_ids:
        g = terms[group_id]
        params += [group_id, statement_ids[g.organisation_id], g.working_days, g.rate_id, g.normative]
    paid_sql = f"m.reason IN ({', '.join(['%s'] * len(paid))})" if paid else "1 = 0"
    sql = _INSERT_REGULAR.format(
        terms=values, paid=paid_sql, marks=_table(Mark), groups=", ".join(["%s"] * len(group_ids)),
        rows=_table(StatementRow),
    )  # fmt: skip
    params += [*paid, *group_ids, month, month_end(month), month]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def tune_session() -> None:
    """PostgreSQL, for the transaction: no JIT (it costs more than it saves on these short aggregations)
    and room to hash the month's enrolments in memory."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '128MB'")


def child_months_batches(
    *,
    month: dt.date,
    terms: dict[int, GroupTerms],
    paid_reasons: dict[int, frozenset[str]],
    corrections_upto: dt.date | None = None,
    batch: int = GROUP_BATCH,
) -> Iterator[list[ChildMonth]]:
    """E23: every enrolment with marks in `month` in the groups of `terms`, counted and priced, in the
    order of (locality, group, enrolment): one list per batch of groups of one locality (one query each;
    the caller writes a batch before the next is read)."""
    by_locality: dict[int, list[int]] = defaultdict(list)
    for group_id in sorted(terms):
        by_locality[terms[group_id].locality_id].append(group_id)
    first, last = month, month_end(month)
    for locality_id, group_ids in sorted(by_locality.items()):
        paid = sorted(paid_reasons.get(locality_id, frozenset()))
        for start in range(0, len(group_ids), batch):
            chunk = group_ids[start : start + batch]
            sql = _counts_sql(n_groups=len(chunk), n_paid=len(paid), corrections_upto=corrections_upto)
            # In the order of the placeholders: SELECT (paid reasons), JOIN (corrections), WHERE (groups).
            params: list[Any] = [*paid, *([corrections_upto] if corrections_upto is not None else [])]
            params += [*chunk, first, last]
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                counted = sorted((g, e, c, int(p), int(a)) for e, c, g, p, a in cursor.fetchall())
            yield [_priced(terms[g], e, c, p, a) for g, e, c, p, a in counted]


def _priced(group: GroupTerms, enrollment_id: int, child_id: int, present_days: int, paid_absent: int
            ) -> ChildMonth:  # fmt: skip
    present_days = min(present_days, group.working_days)  # E23: never more than the month's days
    paid_absent = min(paid_absent, group.working_days - present_days)
    return ChildMonth(
        enrollment_id=enrollment_id,
        child_id=child_id,
        group_id=group.group_id,
        organisation_id=group.organisation_id,
        working_days=group.working_days,
        present_days=present_days,
        paid_absence_days=paid_absent,
        rate_id=group.rate_id,
        normative=group.normative,
        amount=child_amount(
            normative=group.normative, paid_days=present_days + paid_absent, working_days=group.working_days
        ),
    )


# ----------------------------------------------------------------------------------- canonical form (E27)

ROW_FIELDS = (
    "id", "kind", "for_month", "enrollment_id", "child_id", "group_id", "working_days", "present_days",
    "paid_absence_days", "paid_days", "rate_id", "normative", "amount", "refunds_id",
)  # fmt: skip
HEADER_FIELDS = ("organisation_id", "month", "children", "paid_days", "amount", "corrections", "total")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def canonical_line(values: Iterable[object]) -> bytes:
    """One line of the canonical statement: the values as text, tab-separated, newline-terminated."""
    return ("\t".join(_text(v) for v in values) + "\n").encode()


class StatementHasher:
    """E27: SHA-256 of the canonical statement — the header line (`HEADER_FIELDS`), then one line per row
    (`ROW_FIELDS`) in the order of the rows' ids. Fed as rows stream by."""

    def __init__(self, header: Sequence[object]) -> None:
        self._hash = hashlib.sha256(b"kezek-funding-statement-v1\n")
        self._hash.update(canonical_line(header))

    def add(self, row: Sequence[object]) -> None:
        self._hash.update(canonical_line(row))

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def statement_header(statement: Statement) -> tuple[object, ...]:
    return tuple(getattr(statement, name) for name in HEADER_FIELDS)


def statements_hashes(statement_ids: Sequence[int], *, chunk_size: int = 5000) -> Iterator[tuple[int, str]]:
    """(statement id, SHA-256 of its canonical form now) for the statements, their rows streamed in order."""
    ids = sorted(statement_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        headers = {s.pk: statement_header(s) for s in Statement.objects.filter(pk__in=chunk)}
        current: int | None = None
        hasher: StatementHasher | None = None
        seen: set[int] = set()
        rows = (
            StatementRow.objects.filter(statement_id__in=chunk)
            .order_by("statement_id", "id")
            .values_list("statement_id", *ROW_FIELDS)
            .iterator(chunk_size=chunk_size)
        )
        for statement_id, *row in rows:
            if statement_id != current:
                if hasher is not None and current is not None:
                    yield current, hasher.hexdigest()
                current, hasher = statement_id, StatementHasher(headers[statement_id])
                seen.add(statement_id)
            if hasher is not None:
                hasher.add(row)
        if hasher is not None and current is not None:
            yield current, hasher.hexdigest()
        for statement_id in chunk:
            if statement_id not in seen and statement_id in headers:
                yield statement_id, StatementHasher(headers[statement_id]).hexdigest()
