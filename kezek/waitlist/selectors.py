"""Reads of the queue: positions (Q6), the public check by IIN, the public queue list (O4).

Positions come from the Fenwick counts (ranks.py) in one indexed query, never from a scan of the
cohort. Automatic stop-list restorations whose date has come but which the `tick` has not applied yet
are counted as queued, so a late sweep never shows a wrong position.
"""

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.db import fetch_prepared
from kezek.core.errors import NotFound, ValidationFailed
from kezek.core.iin import iin_checked
from kezek.facilities.models import Locality

from . import ordering, ranks
from .models import Applicant, Application, QueueSettings

DEFAULT_RATIO = 3
# Q4: a P's position depends on the G's registered before it, and a G's on the P's.
OTHER_TIER = {ordering.FIRST_PRIORITY: ordering.GENERAL, ordering.GENERAL: ordering.FIRST_PRIORITY}
Status = Application.Status


@dataclass(frozen=True)
class Position:
    cohort: int
    position: int
    cohort_size: int
    tier: str


@dataclass(frozen=True)
class CheckResult:
    """What the public check-queue answers about one application (no names: Q6, O5)."""

    number: int
    locality: str
    cohort: int
    tier: str
    status: str
    registered_at: dt.datetime
    valid_until: dt.date
    position: int | None
    cohort_size: int | None


@dataclass(frozen=True)
class QueueRow:
    position: int
    number: int
    tier: str
    registered_at: dt.datetime
    initials: str


class _Found(NamedTuple):
    """The fields of an application that the check reads (attribute names as on the model)."""

    pk: int
    locality_id: int
    cohort: int
    ordinal: int
    tier: str
    status: str
    registered_at: dt.datetime
    valid_until: dt.date
    locality_code: str


def priority_ratio(*, locality_id: int) -> int:
    ratio = QueueSettings.objects.filter(locality_id=locality_id).values_list("priority_ratio", flat=True)
    return ratio.first() or DEFAULT_RATIO


@dataclass(frozen=True)
class CohortSnapshot:
    """What positions in one cohort need, read in one round trip: tier totals, prefix counts at the
    asked ordinals, the locality's ratio, and the overdue automatic restorations (counted as queued)."""

    totals: ordering.TierTotals
    prefix: dict[str, int]
    ratio: int
    late_ids: frozenset[int]


# A prefix sum reads at most this many rank nodes (the bits of an ordinal below CAPACITY).
_PREFIX_SLOTS = ranks.CAPACITY.bit_length() - 1


_SLOT_NAMES = {branch: [f"{branch}{i}" for i in range(_PREFIX_SLOTS)] for branch in "ab"}
_PADDING = [0] * _PREFIX_SLOTS


def _slots(branch: str) -> str:
    return ", ".join(f"%({name})s" for name in _SLOT_NAMES[branch])


# One statement of a fixed shape (node lists padded with 0, which no node has; named parameters, fewer
# than psycopg's 50 for a cached parse), so PostgreSQL plans it once per connection (fetch_prepared,
# generic plan) and every part is one index range: two prefix sums ('p'), the tier totals ('t'), the
# ratio ('r') and the cohort's overdue automatic restorations ('d').
_SNAPSHOT_SQL = f"""
SELECT 'p', tier, node, count FROM waitlist_rank_node
 WHERE locality_id = %(l)s AND cohort = %(c)s AND tier = %(ta)s AND node IN ({_slots("a")})
UNION ALL
SELECT 'p', tier, node, count FROM waitlist_rank_node
 WHERE locality_id = %(l)s AND cohort = %(c)s AND tier = %(tb)s AND node IN ({_slots("b")})
UNION ALL
SELECT 't', tier, node, count FROM waitlist_rank_node
 WHERE locality_id = %(l)s AND cohort = %(c)s AND tier IN ('extraordinary', 'first_priority', 'general')
   AND node = {ranks.CAPACITY}
UNION ALL
SELECT 'r', '', priority_ratio, 0 FROM waitlist_queuesettings WHERE locality_id = %(l)s
UNION ALL
SELECT 'd', a.tier, a.ordinal, a.id FROM waitlist_stoplistentry e
  JOIN waitlist_application a ON a.id = e.application_id
 WHERE e.locality_id = %(l)s AND e.cohort = %(c)s AND e.restored_at IS NULL AND e.restore_on <= %(today)s
   AND a.status = 'stop_listed'
"""  # noqa: S608 (constants only)


def cohort_snapshot(
    *, locality_id: int, cohort: int, prefixes: dict[str, int], today: dt.date
) -> CohortSnapshot:
    """One indexed query: the prefix nodes of at most two tiers, the totals, the ratio, the overdue stays."""
    if len(prefixes) > 2:
        raise ValueError("at most two prefix sums per snapshot")
    params: dict[str, object] = {"l": locality_id, "c": cohort, "today": today}
    # An unused branch asks for tier '' (no rows).
    for branch, (tier, ordinal) in zip("ab", [*prefixes.items(), ("", 0), ("", 0)], strict=False):
        nodes = ranks.prefix_nodes(ordinal)
        params[f"t{branch}"] = tier
        params.update(zip(_SLOT_NAMES[branch], [*nodes, *_PADDING[len(nodes) :]], strict=True))
    sums = dict.fromkeys(prefixes, 0)
    totals = dict.fromkeys(ordering.TIERS, 0)
    ratio, late = DEFAULT_RATIO, []
    for kind, tier, number, count in fetch_prepared(_SNAPSHOT_SQL, params):
        if kind == "p":
            sums[tier] += count
        elif kind == "t":
            totals[tier] = count
        elif kind == "r":
            ratio = number
        else:
            late.append((tier, number, count))
    for tier, ordinal, _pk in late:  # restored in effect already: count them as the sweep will
        totals[tier] += 1
        if tier in prefixes and ordinal <= prefixes[tier]:
            sums[tier] += 1
    return CohortSnapshot(
        totals=ordering.TierTotals(*(totals[tier] for tier in ordering.TIERS)),
        prefix=sums,
        ratio=ratio,
        late_ids=frozenset(pk for _tier, _ordinal, pk in late),
    )


def effective_status(application: Application, *, today: dt.date | None = None) -> str:
    """The status as the rules say it is now, even if the sweep that applies it has not run yet."""
    return _summary(application, today=today or clock.today())[0]


def _summary(application: Application | _Found, *, today: dt.date) -> tuple[str, Position | None]:
    """Effective status and position of one application, in one query for a queued or stop-listed one."""
    if application.status not in (Status.QUEUED, Status.STOP_LISTED):
        return str(application.status), None
    other = OTHER_TIER.get(application.tier)
    wanted = {application.tier: application.ordinal}
    if other:
        wanted[other] = application.ordinal - 1
    snap = cohort_snapshot(
        locality_id=application.locality_id, cohort=application.cohort, prefixes=wanted, today=today
    )
    if application.status == Status.STOP_LISTED and application.pk not in snap.late_ids:
        return str(application.status), None
    place = ordering.position(
        tier=application.tier,
        rank=snap.prefix[application.tier],
        totals=snap.totals,
        ratio=snap.ratio,
        before=snap.prefix[other] if other else 0,
    )
    position = Position(
        cohort=application.cohort, position=place, cohort_size=snap.totals.total, tier=application.tier
    )
    return Status.QUEUED, position


def queue_position(*, application: Application, today: dt.date | None = None) -> Position | None:
    """The application's place in its cohort (Q3, Q4, Q6), or None when it is not in the queue."""
    return _summary(application, today=today or clock.today())[1]


def check_queue(*, iin: str) -> list[CheckResult]:
    """Public check (Q6): the applications of the child, or of the applicant, with this IIN.

    The most-hit read of the portal: the applications by two indexed scalar subqueries (no OR across joins),
    then one snapshot query per application (usually one); both are prepared statements on PostgreSQL.
    """
    iin = iin_checked(iin.strip()).iin
    today = clock.today()
    results = []
    for row in fetch_prepared(_CHECK_SQL, [iin, iin]):
        found = _Found(*row)._replace(registered_at=_aware(row[6]))
        results.append(_result(found, found.locality_code, *_summary(found, today=today)))
    return results


# Raw SQL: the most-hit query is not rebuilt by the ORM on every request. Scalar subqueries (IINs are
# unique) are evaluated once, and PostgreSQL ORs two index scans (child_id, applicant_id).
_CHECK_SQL = """
SELECT a.id, a.locality_id, a.cohort, a.ordinal, a.tier, a.status, a.registered_at, a.valid_until,
       (SELECT code FROM facilities_locality WHERE id = a.locality_id)
  FROM waitlist_application a
 WHERE (a.child_id = (SELECT id FROM waitlist_child WHERE iin = %s)
        OR a.applicant_id = (SELECT id FROM waitlist_applicant WHERE iin = %s))
   AND a.status NOT IN ('withdrawn', 'archived')
 ORDER BY a.id
"""


def _result(
    application: Application | _Found, locality: str, status: str, position: Position | None
) -> CheckResult:
    return CheckResult(
        number=application.pk,
        locality=locality,
        cohort=application.cohort,
        tier=application.tier,
        status=status,
        registered_at=application.registered_at,
        valid_until=application.valid_until,
        position=position.position if position else None,
        cohort_size=position.cohort_size if position else None,
    )


def application_summary(*, application: Application, today: dt.date | None = None) -> CheckResult:
    """Number, cohort, tier, status and position of one application (no names)."""
    return _result(
        application, application.locality.code, *_summary(application, today=today or clock.today())
    )


def _initials(last_name: str, first_name: str) -> str:
    return "".join(f"{part[:1].upper()}." for part in (last_name, first_name) if part)


_QUEUE_PAGE_SQL = """
WITH q AS (
    SELECT a.id, a.tier, a.registered_at, c.last_name, c.first_name,
           ROW_NUMBER() OVER (PARTITION BY a.tier ORDER BY a.ordinal) AS rk,
           SUM(CASE WHEN a.tier = 'general' THEN 1 ELSE 0 END)
               OVER (ORDER BY a.ordinal ROWS UNBOUNDED PRECEDING) AS g_upto,
           SUM(CASE WHEN a.tier = 'first_priority' THEN 1 ELSE 0 END)
               OVER (ORDER BY a.ordinal ROWS UNBOUNDED PRECEDING) AS p_upto
    FROM waitlist_application a JOIN waitlist_child c ON c.id = a.child_id
    WHERE a.locality_id = %(locality)s AND a.cohort = %(cohort)s
      AND (a.status = 'queued' OR a.id IN ({late}))
), placed AS (
    SELECT id, tier, registered_at, last_name, first_name,
           CASE tier
             WHEN 'extraordinary' THEN rk
             WHEN 'first_priority' THEN %(e)s + rk + {least}((rk - 1) * %(ratio)s, g_upto)
             ELSE %(e)s + rk + {greatest}({least}(%(p)s, (rk + %(ratio)s - 1) / %(ratio)s), p_upto)
           END AS position
    FROM q
)
SELECT position, id, tier, registered_at, last_name, first_name FROM placed
ORDER BY position LIMIT %(limit)s OFFSET %(offset)s
"""


def queue_page(*, locality: Locality, cohort: int, offset: int, limit: int) -> tuple[int, list[QueueRow]]:
    """Rows `offset+1 … offset+limit` of a cohort's public queue (O4) and the cohort's size.

    The same formulas as `ordering.position`, in SQL with window functions over the cohort (one query).
    Applications whose automatic restoration is overdue already count as queued, as in `queue_position`.
    """
    if not 2000 <= cohort <= 2100:
        raise ValidationFailed(_("Unknown birth year."), code="cohort_invalid")
    snap = cohort_snapshot(locality_id=locality.pk, cohort=cohort, prefixes={}, today=clock.today())
    totals, late = snap.totals, sorted(snap.late_ids)
    postgres = connection.vendor == "postgresql"
    sql = _QUEUE_PAGE_SQL.format(
        least="LEAST" if postgres else "MIN",
        greatest="GREATEST" if postgres else "MAX",
        late=", ".join(str(int(pk)) for pk in late) or "NULL",
    )
    params = {
        "locality": locality.pk,
        "cohort": cohort,
        "e": totals.extraordinary,
        "p": totals.first_priority,
        "ratio": snap.ratio,
        "limit": limit,
        "offset": offset,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return totals.total, [
        QueueRow(
            position=position,
            number=number,
            tier=tier,
            registered_at=_aware(registered_at),
            initials=_initials(last_name, first_name),
        )
        for position, number, tier, registered_at, last_name, first_name in rows
    ]


def _aware(value: dt.datetime | str) -> dt.datetime:
    """Raw SQLite rows give text; PostgreSQL gives aware datetimes."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def cohort_order_reference(*, locality_id: int, cohort: int) -> list[int]:
    """The cohort's order by a plain merge (Q4): the oracle that tests compare positions with."""
    queued = Application.objects.filter(locality_id=locality_id, cohort=cohort, status=Status.QUEUED)

    def rows(tier: str) -> list[tuple[int, int]]:
        return list(queued.filter(tier=tier).order_by("ordinal").values_list("ordinal", "pk"))

    return ordering.interleave(
        extraordinary=[pk for _ordinal, pk in rows(ordering.EXTRAORDINARY)],
        first_priority=rows(ordering.FIRST_PRIORITY),
        general=rows(ordering.GENERAL),
        ratio=priority_ratio(locality_id=locality_id),
    )


def applications_of(*, applicant: Applicant) -> QuerySet[Application]:
    """A parent's own applications (the cabinet never shows another family's)."""
    return Application.objects.filter(applicant=applicant).select_related("locality").order_by("-pk")


def application_of(*, applicant: Applicant, number: int) -> Application:
    application = applications_of(applicant=applicant).filter(pk=number).first()
    if application is None:
        raise NotFound(_("Application not found."))
    return application
