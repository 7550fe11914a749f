"""Demo per-capita funding (E20–E27): rates and terms for every demo locality, through the services (ledger
events with an akimat decision number), and the statements of every month whose timesheets the attendance
demo locked — calculated and frozen in month order. Without locked months only the rates are written."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import QuerySet

from kezek.attendance.models import TimesheetMonth
from kezek.core import clock
from kezek.core.errors import Conflict
from kezek.facilities.models import Locality
from kezek.funding import services
from kezek.funding.models import Rate, Statement, StatementRow, Terms

from . import catalogue as cat

# Monthly normatives, ₸ (illustrative, of the order of the 2026 per-capita normatives): by age band and
# stay mode; correctional and sanatorium groups ×1.5, private organisations the same normative.
NORMATIVES = {
    ((1, 3), "full_day"): Decimal("68450.00"),
    ((3, 7), "full_day"): Decimal("61230.00"),
    ((1, 3), "half_day"): Decimal("41070.00"),
    ((3, 7), "half_day"): Decimal("36740.00"),
}
KIND_FACTOR = {"general": Decimal("1"), "correctional": Decimal("1.5"), "sanatorium": Decimal("1.5")}
PAID_REASONS = ["illness_certified", "quarantine", "closed"]
MAX_PARENT_FEE = Decimal("18500.00")  # E21: the demo contracts' fees stay within it (kezek.demo.records)


def _localities() -> QuerySet[Locality]:
    return Locality.objects.filter(region__code__in=cat.DEMO_REGION_CODES).order_by("pk")


def demo_funding_delete() -> None:
    """Statements, rows, rates and terms of the demo localities (before their groups and enrolments go)."""
    localities = _localities()
    StatementRow.objects.filter(statement__organisation__locality__in=localities).delete()
    Statement.objects.filter(organisation__locality__in=localities).delete()
    Rate.objects.filter(locality__in=localities).delete()
    Terms.objects.filter(locality__in=localities).delete()


def demo_funding_load(*, by: User | None = None) -> tuple[int, int]:
    """Rates and terms of each demo locality, then the statements of the locked months. Returns (rates,
    frozen statements)."""
    by = by or User.objects.filter(username="demo-operator").first() or User.objects.order_by("pk").first()
    if by is None:
        return 0, 0
    since = dt.date(clock.today().year - 1, 1, 1)
    rates = 0
    for locality in _localities():
        for (band, mode), amount in NORMATIVES.items():
            for kind, factor in KIND_FACTOR.items():
                for ownership in ("state", "private"):
                    services.rate_set(
                        locality=locality, ownership=ownership, group_kind=kind, age_from=band[0],
                        age_to=band[1] if band[1] < 7 else 8, stay_mode=mode, amount=amount * factor,
                        valid_from=since, decision_number="№ 112/2025", by_staff=by,
                    )  # fmt: skip
                    rates += 1
        services.terms_set(
            locality=locality, max_parent_fee=MAX_PARENT_FEE, paid_reasons=PAID_REASONS,
            valid_from=since, decision_number="№ 112/2025", by_staff=by,
        )  # fmt: skip
    return rates, demo_statements(by=by)


def demo_statements(*, by: User) -> int:
    """Calculate and freeze, month after month, every demo locality's statements of locked months."""
    months = sorted(
        set(
            TimesheetMonth.objects.filter(
                state=TimesheetMonth.State.LOCKED, group__organisation__locality__in=_localities()
            ).values_list("month", flat=True)
        )
    )
    frozen = 0
    for month in months:
        for locality in _localities():
            try:
                services.statements_calculate(month=month, locality=locality, by_staff=by)
                frozen += services.statements_freeze(month=month, locality=locality, by_staff=by)
            except Conflict:  # nothing locked in this locality this month
                continue
    return frozen
