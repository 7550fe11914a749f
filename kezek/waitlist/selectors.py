"""Reads of the queue: positions (Q6), the public check by IIN, the public queue list (O4).

Positions come from the Fenwick counts (ranks.py) in one indexed query, never from a scan of the
cohort. Automatic stop-list restorations whose date has come but which the `tick` has not applied yet
are counted as queued, so a late sweep never shows a wrong position.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import NotFound, ValidationFailed
from kezek.core.iin import is_valid_iin
from kezek.facilities.models import Locality

from . import ordering, ranks
from .models import Applicant, Application, QueueSettings, StopListEntry

DEFAULT_RATIO = 3
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


def _due_restorations(*, locality_id: int, cohort: int, today: dt.date) -> list[tuple[str, int]]:
    """(tier, ordinal) of applications whose automatic restoration is due but not applied yet."""
    return list(
        StopListEntry.objects.filter(
            restored_at__isnull=True,
            restore_on__lte=today,
            application__locality_id=locality_id,
            application__cohort=cohort,
            application__status=Status.STOP_LISTED,
        ).values_list("application__tier", "application__ordinal")
    )


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
    totals, prefix = _cohort_counts(
        locality_id=application.locality_id,
        cohort=application.cohort,
        prefixes={application.tier: application.ordinal},
        today=today,
    )
    position = ordering.merged_position(
        tier=application.tier,
        rank=prefix[application.tier],
        totals=totals,
        ratio=priority_ratio(locality_id=application.locality_id),
    )
    return Position(
        cohort=application.cohort, position=position, cohort_size=totals.total, tier=application.tier
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


def queue_page(*, locality: Locality, cohort: int, offset: int, limit: int) -> tuple[int, list[QueueRow]]:
    """Rows `offset+1 … offset+limit` of a cohort's public queue (O4) and the cohort's size.

    Positions are mapped back to tier ranks (`ordering.tier_at`), and each tier's slice is read by its
    ordinal index, so a page costs three small index range reads however long the cohort is.
    Applications whose automatic restoration is overdue are left out until the sweep applies it.
    """
    if not 2000 <= cohort <= 2100:
        raise ValidationFailed(_("Unknown birth year."), code="cohort_invalid")
    totals, _prefix = ranks.tier_counts(locality_id=locality.pk, cohort=cohort, prefixes={})
    ratio = priority_ratio(locality_id=locality.pk)
    positions = range(offset + 1, min(offset + limit, totals.total) + 1)
    wanted = [(pos, *ordering.tier_at(position=pos, totals=totals, ratio=ratio)) for pos in positions]
    by_tier: dict[str, dict[int, Application]] = {}
    for tier in ordering.TIERS:
        tier_ranks = [rank for _pos, t, rank in wanted if t == tier]
        if not tier_ranks:
            continue
        first, last = min(tier_ranks), max(tier_ranks)
        rows = (
            Application.objects.filter(locality=locality, cohort=cohort, tier=tier, status=Status.QUEUED)
            .order_by("ordinal")
            .select_related("child")
            .only("pk", "tier", "registered_at", "ordinal", "child__last_name", "child__first_name")
        )[first - 1 : last]
        by_tier[tier] = {first + i: row for i, row in enumerate(rows)}
    result = []
    for pos, tier, rank in wanted:
        row = by_tier.get(tier, {}).get(rank)
        if row is not None:
            result.append(
                QueueRow(
                    position=pos,
                    number=row.pk,
                    tier=row.tier,
                    registered_at=row.registered_at,
                    initials=_initials(row.child.last_name, row.child.first_name),
                )
            )
    return totals.total, result


def cohort_order_reference(*, locality_id: int, cohort: int) -> list[int]:
    """The cohort's order by plain sorting (Q4): the oracle that tests compare positions with."""
    queued = Application.objects.filter(locality_id=locality_id, cohort=cohort, status=Status.QUEUED)

    def ids(tier: str) -> list[int]:
        return list(queued.filter(tier=tier).order_by("registered_at", "pk").values_list("pk", flat=True))

    return ordering.interleave(
        extraordinary=ids(ordering.EXTRAORDINARY),
        first_priority=ids(ordering.FIRST_PRIORITY),
        general=ids(ordering.GENERAL),
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
