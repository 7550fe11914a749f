"""Reads of funding: rates and terms of a locality, statements in a staff user's scope, the payment
register and the open data (frozen statements only, no child data: E29)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Sum

from kezek.facilities.models import Locality
from kezek.staff.selectors import Scope

from .models import ZERO, Rate, Statement, StatementRow, Terms


def rates_of(*, locality: Locality) -> QuerySet[Rate]:
    return Rate.objects.filter(locality=locality).order_by(
        "ownership", "group_kind", "stay_mode", "age_from", "valid_from"
    )


def terms_of(*, locality: Locality) -> QuerySet[Terms]:
    return Terms.objects.filter(locality=locality).order_by("valid_from")


def terms_in_force(*, locality_id: int, on: dt.date | OuterRef) -> QuerySet[Terms]:
    """E21: the locality's terms valid on the day `on` (at most one: they never overlap)."""
    return Terms.objects.filter(locality_id=locality_id, valid_from__lte=on).exclude(valid_until__lte=on)


def max_parental_fee(*, locality: Locality, on: dt.date) -> Decimal | None:
    """E21: the locality's maximum parental fee a month in force on `on`; None when no terms are (no cap)."""
    return terms_in_force(locality_id=locality.pk, on=on).values_list("max_parent_fee", flat=True).first()


def statements_in_scope(*, scope: Scope, month: dt.date | None = None, locality: Locality | None = None
                        ) -> QuerySet[Statement]:  # fmt: skip
    rows = scope.filter(
        Statement.objects.select_related("organisation"),
        locality="organisation__locality",
        organisation="organisation",
    )
    if month is not None:
        rows = rows.filter(month=month)
    if locality is not None:
        rows = rows.filter(organisation__locality=locality)
    return rows.order_by("-month", "organisation__name_ru", "pk")


def statement_rows(*, statement: Statement) -> QuerySet[StatementRow]:
    return (
        StatementRow.objects.filter(statement=statement)
        .select_related("child", "group")
        .order_by("group__name", "child__last_name", "child__first_name", "for_month", "pk")
    )


@dataclass(frozen=True)
class MonthTotals:
    statements: int
    frozen: int
    children: int
    paid_days: int
    amount: Decimal
    corrections: Decimal
    total: Decimal


def month_totals(statements: QuerySet[Statement]) -> MonthTotals:
    sums = statements.aggregate(
        children=Sum("children"), paid_days=Sum("paid_days"), amount=Sum("amount"),
        corrections=Sum("corrections"), total=Sum("total"),
    )  # fmt: skip
    return MonthTotals(
        statements=statements.count(),
        frozen=statements.filter(state=Statement.State.FROZEN).count(),
        children=sums["children"] or 0,
        paid_days=sums["paid_days"] or 0,
        amount=sums["amount"] or ZERO,
        corrections=sums["corrections"] or ZERO,
        total=sums["total"] or ZERO,
    )


def months_with_statements(*, scope: Scope) -> list[dt.date]:
    return list(
        statements_in_scope(scope=scope).order_by("-month").values_list("month", flat=True).distinct()
    )


def open_funding(*, locality: Locality | None = None, month: dt.date | None = None) -> QuerySet[Statement]:
    """E29: frozen statements only: a kindergarten's month, its paid child-days and amounts, no child."""
    rows = Statement.objects.filter(state=Statement.State.FROZEN).select_related("organisation__locality")
    if locality is not None:
        rows = rows.filter(organisation__locality=locality)
    if month is not None:
        rows = rows.filter(month=month)
    return rows.order_by("-month", "organisation__locality__code", "organisation__name_ru", "pk")
