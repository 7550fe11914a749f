"""Reads of the queue: positions (Q6), the public check by IIN, the public queue list (O4).

Positions come from the Fenwick counts (ranks.py) in one indexed query, never from a scan of the
cohort. Automatic stop-list restorations whose date has come but which the `tick` has not applied yet
are counted as queued, and the applications an ended campaign's sweep will stop-list as stop-listed
(C6), so a late sweep never shows a wrong position.
"""

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kezek.confirmation.models import MIN_AGE_YEARS
from kezek.confirmation.selectors import swept_in_effect
from kezek.core import clock
from kezek.core.db import fetch_prepared
from kezek.core.errors import NotFound, ValidationFailed
from kezek.core.iin import iin_checked
from kezek.facilities.models import Locality
from kezek.ledger.selectors import ledger_events

from . import ordering, ranks
from .models import Applicant, Application, BenefitCategory, BenefitClaim, QueueSettings, StopListEntry, Tier

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


# Positions are read by one statement (a prepared statement with a generic plan on PostgreSQL, see
# kezek.core.db.fetch_prepared) whose every part is an index probe: for each application, the Fenwick
# prefix sums of its tier and of the other tier (Q4), the cohort's tier totals, the locality's ratio
# and the number of overdue automatic restorations of the cohort (almost always 0: only when the sweep
# is late does a second statement list them); for a referred application, whether its direction is past
# its deadline (the placement sweep will stop-list it: reads do not wait for it).

_BITS = ", ".join(f"({k})" for k in range(ranks.CAPACITY.bit_length()))
_WHEN_OTHER = " ".join(f"WHEN '{tier}' THEN '{other}'" for tier, other in OTHER_TIER.items())
_OTHER_TIER = f"CASE app.tier {_WHEN_OTHER} ELSE '' END"  # OTHER_TIER in SQL


def _prefix_sql(tier: str, upto: str) -> str:
    """Queued applications of `tier` with ordinal <= `upto` in app's cohort: the sum of the rank nodes
    (upto >> k) << k for every set bit k of `upto` (ranks.prefix_nodes), one index probe each."""
    return (
        "(SELECT COALESCE(SUM((SELECT n.count FROM waitlist_rank_node n"  # noqa: S608 (fragments only)
        " WHERE n.locality_id = app.locality_id AND n.cohort = app.cohort"
        f" AND n.tier = {tier} AND n.node = ((({upto}) >> bit.k) << bit.k))), 0)"
        f" FROM bit WHERE ((({upto}) >> bit.k) & 1) = 1)"
    )


# Per cohort (`app` holds locality_id and cohort): the three tier totals (rank node CAPACITY), the ratio,
# the number of overdue automatic restorations.
_COHORT_COLUMNS = ", ".join(
    [
        *(
            "COALESCE((SELECT count FROM waitlist_rank_node WHERE locality_id = app.locality_id"  # noqa: S608
            f" AND cohort = app.cohort AND tier = '{tier}' AND node = {ranks.CAPACITY}), 0)"
            for tier in ordering.TIERS
        ),
        "(SELECT priority_ratio FROM waitlist_queuesettings WHERE locality_id = app.locality_id)",
        "(SELECT COUNT(*) FROM waitlist_stoplistentry e WHERE e.locality_id = app.locality_id"
        " AND e.cohort = app.cohort AND e.restored_at IS NULL AND e.restore_on <= %(today)s)",
        # C6: the locality's ended, unswept campaign when it asks this cohort (C2), else NULL.
        "(SELECT c.id FROM confirmation_campaign c WHERE c.locality_id = app.locality_id"  # noqa: S608
        f" AND c.swept_at IS NULL AND c.ends_at <= %(now)s AND app.cohort <= c.year - {MIN_AGE_YEARS})",
    ]
)
# C6: an application of the cohort that the ended campaign `c` will stop-list (confirmation.selectors.
# swept_in_effect): queued, registered before the campaign started, its applicant has not answered.
_UNCONFIRMED = (
    "a.status = 'queued' AND a.registered_at < c.starts_at AND NOT EXISTS (SELECT 1 FROM"
    " confirmation_response r WHERE r.campaign_id = c.id AND r.applicant_id = a.applicant_id)"
)
_POSITIONS_SQL = f"""
WITH bit(k) AS (VALUES {_BITS}),
app AS (
    SELECT a.id, a.locality_id, a.cohort, a.ordinal, a.tier, a.status, a.registered_at, a.valid_until
      FROM waitlist_application a
     WHERE {{where}} AND a.status NOT IN ('withdrawn', 'archived')
)
SELECT app.id, app.locality_id, app.cohort, app.ordinal, app.tier, app.status, app.registered_at,
       app.valid_until, (SELECT code FROM facilities_locality WHERE id = app.locality_id),
       {_prefix_sql("app.tier", "app.ordinal")}, {_prefix_sql(_OTHER_TIER, "app.ordinal - 1")},
       {_COHORT_COLUMNS},
       CASE WHEN app.status = 'referred' THEN (SELECT COUNT(*) FROM placement_direction d
            WHERE d.application_id = app.id AND d.state IN ('benefit_confirmation', 'awaiting_enrollment')
              AND d.valid_until <= %(now)s) ELSE 0 END
  FROM app ORDER BY app.id
"""  # noqa: S608 (constants only)
# The applications of a child or of an applicant (IINs are unique: two scalar subqueries, two index scans).
_CHECK_SQL = _POSITIONS_SQL.format(
    where="(a.child_id = (SELECT id FROM waitlist_child WHERE iin = %(iin)s)"
    " OR a.applicant_id = (SELECT id FROM waitlist_applicant WHERE iin = %(iin)s))"
)
_APPLICATION_SQL = _POSITIONS_SQL.format(where="a.id = %(id)s")
_COHORT_SQL = f"SELECT {_COHORT_COLUMNS} FROM (SELECT %(locality)s AS locality_id, %(cohort)s AS cohort) app"  # noqa: S608
# Per tier, the cohort's applications the ended campaign will stop-list: all, those with ordinal <= the
# given one, and whether the given application is one of them (only read while such a campaign waits).
_UNCONFIRMED_SQL = f"""
SELECT a.tier, COUNT(*), SUM(CASE WHEN a.ordinal <= %(ordinal)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN a.id = %(id)s THEN 1 ELSE 0 END)
  FROM waitlist_application a JOIN confirmation_campaign c ON c.id = %(campaign)s
 WHERE a.locality_id = %(locality)s AND a.cohort = %(cohort)s AND {_UNCONFIRMED}
 GROUP BY a.tier
"""  # noqa: S608 (constants only)
_LATE_SQL = """
SELECT a.id, a.tier, a.ordinal FROM waitlist_stoplistentry e
  JOIN waitlist_application a ON a.id = e.application_id
 WHERE e.locality_id = %(locality)s AND e.cohort = %(cohort)s AND e.restored_at IS NULL
   AND e.restore_on <= %(today)s AND a.status = 'stop_listed'
"""


class _Found(NamedTuple):
    """A row of _POSITIONS_SQL (the application's attribute names as on the model)."""

    pk: int
    locality_id: int
    cohort: int
    ordinal: int
    tier: str
    status: str
    registered_at: dt.datetime
    valid_until: dt.date
    locality_code: str
    rank: int  # queued applications of its tier up to its ordinal
    before: int  # queued applications of the other tier (Q4) registered before it
    extraordinary: int
    first_priority: int
    general: int
    ratio: int | None
    late: int
    campaign: int | None  # C6: an ended, unswept campaign asking this cohort
    overdue: int  # a referred application's directions past their deadline (P5: stop-listed in effect)


@dataclass(frozen=True)
class CohortState:
    """A cohort as the rules say it is now: the overdue automatic restorations count as queued, the
    applications an ended campaign will stop-list (C6) do not."""

    totals: ordering.TierTotals
    ratio: int
    late: tuple[tuple[int, str, int], ...]  # (number, tier, ordinal) of each overdue restoration
    unconfirmed_upto: dict[str, int]  # per tier: those the campaign will stop-list, ordinal <= the one asked
    unconfirmed_self: bool  # the application asked about is one of them


def _cohort_state(
    *,
    locality_id: int,
    cohort: int,
    counts: tuple[int, int, int],
    ratio: int | None,
    late: int,
    today: dt.date,
    campaign: int | None,
    ordinal: int = 0,
    number: int = 0,
) -> CohortState:
    rows = (
        fetch_prepared(_LATE_SQL, {"locality": locality_id, "cohort": cohort, "today": today}) if late else []
    )
    totals = dict(zip(ordering.TIERS, counts, strict=True))
    for _number, tier, _ordinal in rows:
        totals[tier] += 1
    unconfirmed = (
        fetch_prepared(
            _UNCONFIRMED_SQL,
            {
                "campaign": campaign,
                "locality": locality_id,
                "cohort": cohort,
                "ordinal": ordinal,
                "id": number,
            },
        )
        if campaign is not None
        else []
    )
    for tier, count, _upto, _self in unconfirmed:
        totals[tier] -= count
    return CohortState(
        totals=ordering.TierTotals(*(totals[tier] for tier in ordering.TIERS)),
        ratio=ratio or DEFAULT_RATIO,
        late=tuple(map(tuple, rows)),
        unconfirmed_upto={tier: int(upto) for tier, _count, upto, _self in unconfirmed},
        unconfirmed_self=any(mine for _tier, _count, _upto, mine in unconfirmed),
    )


def _placed(found: _Found, *, today: dt.date) -> tuple[str, Position | None]:
    """Effective status and position from a row of _POSITIONS_SQL."""
    if found.status == Status.REFERRED and found.overdue:
        return Status.STOP_LISTED, None  # the sweep expires the direction and stop-lists the application
    if found.status not in (Status.QUEUED, Status.STOP_LISTED):
        return str(found.status), None
    state = _cohort_state(
        locality_id=found.locality_id,
        cohort=found.cohort,
        counts=(found.extraordinary, found.first_priority, found.general),
        ratio=found.ratio,
        late=found.late,
        today=today,
        campaign=found.campaign,
        ordinal=found.ordinal,
        number=found.pk,
    )
    if state.unconfirmed_self:
        return Status.STOP_LISTED, None  # the campaign's sweep will stop-list it (C6)
    other = OTHER_TIER.get(found.tier)
    rank = found.rank - state.unconfirmed_upto.get(found.tier, 0)
    before = found.before - (state.unconfirmed_upto.get(other, 0) if other else 0)
    restored = False
    for number, tier, ordinal in state.late:  # restored in effect already: count them as the sweep will
        rank += tier == found.tier and ordinal <= found.ordinal
        before += tier == other and ordinal < found.ordinal
        restored = restored or number == found.pk
    if found.status == Status.STOP_LISTED and not restored:
        return str(found.status), None
    place = ordering.position(
        tier=found.tier, rank=rank, totals=state.totals, ratio=state.ratio, before=before
    )
    return Status.QUEUED, Position(
        cohort=found.cohort, position=place, cohort_size=state.totals.total, tier=found.tier
    )


def _found(sql: str, params: dict[str, object]) -> list[_Found]:
    return [_Found(*row)._replace(registered_at=_aware(row[6])) for row in fetch_prepared(sql, params)]


def _summary(application: Application, *, today: dt.date) -> tuple[str, Position | None]:
    """Effective status and position of one application, in one query for a queued, stop-listed or
    referred one (the others' status is final)."""
    if application.status not in (Status.QUEUED, Status.STOP_LISTED, Status.REFERRED):
        return str(application.status), None
    found = _found(_APPLICATION_SQL, {"id": application.pk, "today": today, "now": clock.now()})
    return _placed(found[0], today=today) if found else (str(application.status), None)


def effective_status(application: Application, *, today: dt.date | None = None) -> str:
    """The status as the rules say it is now, even if the sweep that applies it has not run yet."""
    return _summary(application, today=today or clock.today())[0]


def queue_position(*, application: Application, today: dt.date | None = None) -> Position | None:
    """The application's place in its cohort (Q3, Q4, Q6), or None when it is not in the queue."""
    return _summary(application, today=today or clock.today())[1]


def check_queue(*, iin: str) -> list[CheckResult]:
    """Public check (Q6): the applications of the child, or of the applicant, with this IIN.

    The most-hit read of the portal: applications, positions and all they need in one statement.
    """
    iin = iin_checked(iin.strip()).iin
    today = clock.today()
    return [
        _result(found, found.locality_code, *_placed(found, today=today))
        for found in _found(_CHECK_SQL, {"iin": iin, "today": today, "now": clock.now()})
    ]


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
      AND NOT EXISTS (SELECT 1 FROM confirmation_campaign c WHERE c.id = %(campaign)s AND {unconfirmed})
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
    ((*counts, ratio, late_count, campaign),) = fetch_prepared(
        _COHORT_SQL, {"locality": locality.pk, "cohort": cohort, "today": today, "now": clock.now()}
    )
    state = _cohort_state(
        locality_id=locality.pk,
        cohort=cohort,
        counts=tuple(counts),
        ratio=ratio,
        late=late_count,
        today=today,
        campaign=campaign,
    )
    totals, late = state.totals, sorted(number for number, _tier, _ordinal in state.late)
    postgres = connection.vendor == "postgresql"
    sql = _QUEUE_PAGE_SQL.format(
        least="LEAST" if postgres else "MIN",
        greatest="GREATEST" if postgres else "MAX",
        late=", ".join(str(int(pk)) for pk in late) or "NULL",
        unconfirmed=_UNCONFIRMED,
    )
    params = {
        "locality": locality.pk,
        "cohort": cohort,
        "e": totals.extraordinary,
        "p": totals.first_priority,
        "ratio": state.ratio,
        "campaign": campaign,
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


def queue_size_by_age(
    *, locality_id: int, ranges: list[tuple[int, int]], today: dt.date | None = None
) -> dict[tuple[int, int], int]:
    """How many applications wait in the locality's queue for each age range [from, to) in full years
    today (the passport's "size of the queue"), in one query; an ended campaign's unconfirmed are not
    counted (C6)."""
    today = today or clock.today()
    counts = {
        f"r{index}": Count(
            "pk",
            filter=Q(
                child__birth_date__gt=clock.years_before(today, age_to),
                child__birth_date__lte=clock.years_before(today, age_from),
            ),
        )
        for index, (age_from, age_to) in enumerate(ranges)
    }
    if not counts:
        return {}
    row = (
        Application.objects.filter(locality_id=locality_id, status=Status.QUEUED)
        .filter(~swept_in_effect(now=clock.now()))
        .aggregate(**counts)
    )
    return {age_range: row[f"r{index}"] for index, age_range in enumerate(ranges)}


def extraordinary_categories(*, locality: Locality) -> list[BenefitCategory]:
    """The extraordinary-benefit categories a parent may claim in this locality (Q5): the common ones and the
    locality's own (which win over a common one of the same code, as registration looks them up)."""
    found: dict[str, BenefitCategory] = {}
    rows = BenefitCategory.objects.filter(tier=Tier.EXTRAORDINARY, is_active=True).filter(
        Q(locality__isnull=True) | Q(locality=locality)
    )
    for category in rows:  # the locality's own win whatever order NULLs sort in
        if category.locality_id is None and category.code in found:
            continue
        found[category.code] = category
    return sorted(found.values(), key=lambda c: c.code)


# --- the back-office (staff pages narrow these by their scope) --------------------------------------


def applications_by_iin(*, iin: str) -> QuerySet[Application]:
    """Every application of the child, or of the applicant, with this IIN (422 for a malformed IIN)."""
    iin = iin_checked(iin.strip()).iin
    return (
        Application.objects.filter(Q(child__iin=iin) | Q(applicant__iin=iin))
        .select_related("locality")
        .order_by("-pk")
    )


def benefit_claims_pending() -> QuerySet[BenefitClaim]:
    """Extraordinary claims by a document that wait for the department's decision (Q5), oldest first."""
    return (
        BenefitClaim.objects.filter(
            status=BenefitClaim.Status.PENDING,
            source=BenefitClaim.Source.DOCUMENT,
            category__tier=Tier.EXTRAORDINARY,
        )
        .select_related("application__locality", "category")
        .order_by("created_at", "pk")
    )


def withdrawal_request_document(*, application: Application) -> str | None:
    """The stored name of the parent's scanned written request behind a staff withdrawal, if any."""
    events = ledger_events(subject_type="application", subject_id=str(application.pk))
    event = events.filter(kind="application.withdrawn").order_by("-seq").first()
    name = event.payload.get("document") if event is not None else None
    return name if isinstance(name, str) and name else None


def stop_list_public(*, locality: Locality) -> QuerySet[StopListEntry]:
    """The locality's current stop-list, newest first (S2: public with its reason category and dates);
    only the application number, birth year, reason and dates are read — never names or the staff note."""
    return (
        StopListEntry.objects.filter(locality=locality, restored_at__isnull=True)
        .order_by("-since", "-pk")
        .only("application_id", "cohort", "reason", "since", "restore_on")
    )
