"""E23/E26 as properties (hypothesis): the statement's totals are the sums of its children's rows, each
row is normative × paid days / working days to the tiyn, and a correction's REFUND + CORRECTION rows net
to the difference the corrected marks make."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kezek.attendance.selectors import working_days
from kezek.funding import services
from kezek.funding.models import Statement, StatementRow

from .helpers import (
    MONTH,
    PAID,
    correct,
    enrol,
    group_of,
    kindergarten,
    lock_month,
    mark_month,
    operator,
    rates,
)

pytestmark = pytest.mark.django_db
NEXT = dt.date(2026, 11, 1)
HYPOTHESIS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
CODES = st.sampled_from(
    ["+", "+", "+", "+", "illness_certified", "illness", "leave", "quarantine", "unexcused", "closed", ""]
)
PATTERNS = st.lists(st.lists(CODES, min_size=21, max_size=21), min_size=1, max_size=5)
AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("250000"), places=2)


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kezek.core.clock.today", lambda: dt.date(2026, 12, 9))


def reference(normative: Decimal, pattern: list[str], days: int) -> tuple[int, Decimal]:
    paid = min(days, sum(1 for code in pattern[:days] if code == "+" or code in PAID))
    return paid, (normative * paid / days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@given(patterns=PATTERNS, amount=AMOUNTS)
@HYPOTHESIS
def test_statement_totals_are_the_sums_of_the_children(patterns: list[list[str]], amount: Decimal) -> None:
    org = kindergarten()
    staff = operator(org.locality)
    rates(org.locality, staff, amount=str(amount))
    group = group_of(org)
    days = len(working_days(group=group, month=MONTH))
    enrolments = [enrol(group) for _ in patterns]
    for enrollment, pattern in zip(enrolments, patterns, strict=True):
        mark_month(enrollment, MONTH, pattern, by=staff)
    lock_month(group, MONTH)
    services.statements_calculate(month=MONTH, locality=org.locality, by_staff=staff)
    statement = Statement.objects.get(organisation=org)
    rows = {r.enrollment_id: r for r in StatementRow.objects.filter(statement=statement)}
    marked = [(e, p) for e, p in zip(enrolments, patterns, strict=True) if any(p[:days])]
    assert set(rows) == {e.pk for e, _p in marked}
    for enrollment, pattern in marked:
        paid, expected = reference(amount, pattern, days)
        assert (rows[enrollment.pk].paid_days, rows[enrollment.pk].amount) == (paid, expected)
    assert statement.amount == sum((r.amount for r in rows.values()), Decimal("0.00")) == statement.total
    assert statement.paid_days == sum(r.paid_days for r in rows.values())
    assert statement.children == len(rows)


@given(
    pattern=st.lists(
        st.sampled_from(["+", "illness", "illness_certified", "unexcused"]), min_size=21, max_size=21
    ),
    fixes=st.lists(st.tuples(st.integers(0, 20), st.sampled_from(["+", "illness_certified", "unexcused"])),
                   max_size=6),
    amount=AMOUNTS,
)  # fmt: skip
@HYPOTHESIS
def test_refund_and_correction_net_to_the_difference(
    pattern: list[str], fixes: list[tuple[int, str]], amount: Decimal
) -> None:
    org = kindergarten()
    staff = operator(org.locality)
    rates(org.locality, staff, amount=str(amount))
    group = group_of(org)
    days = len(working_days(group=group, month=MONTH))
    enrollment = enrol(group)
    marks = mark_month(enrollment, MONTH, pattern, by=staff)
    lock_month(group, MONTH)
    services.statements_calculate(month=MONTH, locality=org.locality, by_staff=staff)
    services.statements_freeze(month=MONTH, locality=org.locality, by_staff=staff)
    _paid, before = reference(amount, pattern, days)
    corrected = list(pattern)
    for index, code in fixes:
        if index < len(marks):
            correct(
                marks[index], present=code == "+", reason="" if code == "+" else code, shown_in=NEXT, by=staff
            )
            corrected[index] = code
    _paid, after = reference(amount, corrected, days)
    lock_month(group, NEXT)
    services.statements_calculate(month=NEXT, locality=org.locality, by_staff=staff)
    november = Statement.objects.get(organisation=org, month=NEXT)
    extra = StatementRow.objects.filter(statement=november, for_month=MONTH)
    assert november.corrections == sum((r.amount for r in extra), Decimal("0.00")) == after - before
    if after == before and corrected == pattern:
        assert not extra.exists()
