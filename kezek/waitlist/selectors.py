"""Reads of the queue: positions (Q6), the public check by IIN, the public queue list (O4).

Positions come from the Fenwick counts (ranks.py) in one indexed query, never from a scan of the
cohort. Automatic stop-list restorations whose date has come but which the `tick` has not applied yet
are counted as queued, so a late sweep never shows a wrong position.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import NotFound, ValidationFailed
from kezek.core.iin import is_valid_iin
from kezek.facilities.models import Locality

from . import ordering, ranks
from .models import Applicant, Application, QueueSettings, StopListEntry

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


def priority_ratio(*, locality_id: int) -> int:
    ratio = QueueSettings.objects.filter(locality_id=locality_id).values_list("priority_ratio", flat=True)
    return ratio.first() or DEFAULT_RATIO


def _due_entries(*, locality_id: int, cohort: int, today: dt.date) -> QuerySet[StopListEntry]:
    """Stop-list stays whose automatic restoration is due but not applied yet (the sweep runs late)."""
    return StopListEntry.objects.filter(
        restored_at__isnull=True,
        restore_on__lte=today,
        application__locality_id=locality_id,
        application__cohort=cohort,
        application__status=Status.STOP_LISTED,
    )


def _due_restorations(*, locality_id: int, cohort: int, today: dt.date) -> list[tuple[str, int]]:
    """(tier, ordinal) of the applications of `_due_entries`."""
    due = _due_entries(locality_id=locality_id, cohort=cohort, today=today)
    return list(due.values_list("application__tier", "application__ordinal"))


def _late_ids(*, locality_id: int, cohort: int, today: dt.date) -> list[int]:
    due = _due_entries(locality_id=locality_id, cohort=cohort, today=today)
    return list(due.values_list("application_id", flat=True))


def effective_status(application: Application, *, today: dt.date | None = None) -> str:
    """The status as the rules say it is now, even if the sweep that applies it has not run yet."""
    if application.status == Status.STOP_LISTED:
        today = today or clock.today()
        due = StopListEntry.objects.filter(
            application=application, restored_at__isnull=True, restore_on__lte=today
        ).exists()
        if due:
            return Status.QUEUED
    return str(application.status)


def _cohort_counts(
    *, locality_id: int, cohort: int, prefixes: dict[str, int], today: dt.date
) -> tuple[ordering.TierTotals, dict[str, int]]:
    totals, prefix = ranks.tier_counts(locality_id=locality_id, cohort=cohort, prefixes=prefixes)
    late = _due_restorations(locality_id=locality_id, cohort=cohort, today=today)
    if late:
        extra = {tier: sum(1 for t, _o in late if t == tier) for tier in ordering.TIERS}
        totals = ordering.TierTotals(
            extraordinary=totals.extraordinary + extra[ordering.EXTRAORDINARY],
            first_priority=totals.first_priority + extra[ordering.FIRST_PRIORITY],
            general=totals.general + extra[ordering.GENERAL],
        )
        prefix = {
            tier: count + sum(1 for t, o in late if t == tier and o <= prefixes[tier])
            for tier, count in prefix.items()
        }
    return totals, prefix


def queue_position(*, application: Application, today: dt.date | None = None) -> Position | None:
    """The application's place in its cohort (Q3, Q4, Q6), or None when it is not in the queue."""
    today = today or clock.today()
    if effective_status(application, today=today) != Status.QUEUED:
        return None
    other = OTHER_TIER.get(application.tier)
    wanted = {application.tier: application.ordinal}
    if other:
        wanted[other] = application.ordinal - 1
    totals, prefix = _cohort_counts(
        locality_id=application.locality_id, cohort=application.cohort, prefixes=wanted, today=today
    )
    place = ordering.position(
        tier=application.tier,
        rank=prefix[application.tier],
        totals=totals,
        ratio=priority_ratio(locality_id=application.locality_id),
        before=prefix[other] if other else 0,
    )
    return Position(
        cohort=application.cohort, position=place, cohort_size=totals.total, tier=application.tier
    )


def check_queue(*, iin: str) -> list[CheckResult]:
    """Public check (Q6): the applications of the child, or of the applicant, with this IIN."""
    iin = iin.strip()
    if not is_valid_iin(iin):
        raise ValidationFailed(_("The IIN is not valid: check the digits."), code="iin_invalid")
    applications = (
        Application.objects.filter(Q(child__iin=iin) | Q(applicant__iin=iin))
        .exclude(status__in=[Status.WITHDRAWN, Status.ARCHIVED])
        .select_related("locality")
        .order_by("pk")
    )
    today = clock.today()
    return [application_summary(application=application, today=today) for application in applications]


def application_summary(*, application: Application, today: dt.date | None = None) -> CheckResult:
    """Number, cohort, tier, status and position of one application (no names)."""
    today = today or clock.today()
    position = queue_position(application=application, today=today)
    return CheckResult(
        number=application.pk,
        locality=application.locality.code,
        cohort=application.cohort,
        tier=application.tier,
        status=effective_status(application, today=today),
        registered_at=application.registered_at,
        valid_until=application.valid_until,
        position=position.position if position else None,
        cohort_size=position.cohort_size if position else None,
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
    today = clock.today()
    totals, _prefix = _cohort_counts(locality_id=locality.pk, cohort=cohort, prefixes={}, today=today)
    late = _late_ids(locality_id=locality.pk, cohort=cohort, today=today)
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
        "ratio": priority_ratio(locality_id=locality.pk),
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
