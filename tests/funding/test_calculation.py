"""E22–E26: the month's calculation, statements, freezing and corrections."""

import datetime as dt
from decimal import Decimal

import pytest

from kezek.attendance.selectors import working_days
from kezek.core.errors import Conflict
from kezek.funding import calculation as calc
from kezek.funding import services
from kezek.funding.models import Statement, StatementRow
from kezek.ledger.models import LedgerEvent

from .helpers import MONTH, correct, enrol, group_of, kindergarten, lock_month, mark_month, operator, rates

pytestmark = pytest.mark.django_db
NEXT = dt.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kezek.core.clock.today", lambda: dt.date(2026, 12, 9))


def test_amount_rounds_half_up_to_the_tiyn() -> None:
    """E23: normative × paid / working, rounded once to the tiyn, half up."""
    assert calc.child_amount(normative=Decimal("62000.00"), paid_days=21, working_days=22) == Decimal(
        "59181.82"
    )
    assert calc.child_amount(normative=Decimal("0.10"), paid_days=1, working_days=20) == Decimal(
        "0.01"
    )  # 0.005
    assert calc.child_amount(normative=Decimal("0.10"), paid_days=1, working_days=21) == Decimal("0.00")
    assert calc.child_amount(normative=Decimal("100.00"), paid_days=0, working_days=22) == Decimal("0.00")


def test_statement_of_a_locked_month() -> None:
    org = kindergarten()
    staff = operator(org.locality)
    rates(org.locality, staff)
    group = group_of(org)
    days = working_days(group=group, month=MONTH)
    a, b = enrol(group), enrol(group)
    mark_month(a, MONTH, ["+"] * len(days), by=staff)
    # b: present except two certified illness days (paid) and three unexcused (not paid)
    mark_month(b, MONTH, ["illness_certified"] * 2 + ["unexcused"] * 3 + ["+"] * (len(days) - 5), by=staff)
    lock_month(group, MONTH)
    result = services.statements_calculate(month=MONTH, locality=org.locality, by_staff=staff)
    assert (result.statements, result.rows) == (1, 2)
    statement = Statement.objects.get()
    rows = {r.enrollment_id: r for r in StatementRow.objects.all()}
    assert rows[a.pk].amount == Decimal("62000.00")
    assert rows[b.pk].paid_days == len(days) - 3
    assert rows[b.pk].amount == calc.child_amount(
        normative=Decimal("62000"), paid_days=len(days) - 3, working_days=len(days)
    )
    assert statement.amount == rows[a.pk].amount + rows[b.pk].amount == statement.total
    assert (statement.children, statement.paid_days) == (2, 2 * len(days) - 3)
    assert services.statements_freeze(month=MONTH, locality=org.locality, by_staff=staff) == 1
    statement.refresh_from_db()
    assert statement.state == "frozen"
    assert len(statement.sha256) == 64
    event = LedgerEvent.objects.get(kind="funding.statement_frozen")
    assert event.payload["sha256"] == statement.sha256
    assert LedgerEvent.objects.filter(kind="funding.month_frozen").count() == 1


def test_a_correction_after_the_freeze_is_a_refund_and_a_correction_next_month() -> None:
    org = kindergarten()
    staff = operator(org.locality)
    rates(org.locality, staff)
    group = group_of(org)
    days = working_days(group=group, month=MONTH)
    a = enrol(group)
    marks = mark_month(a, MONTH, ["unexcused"] + ["+"] * (len(days) - 1), by=staff)
    lock_month(group, MONTH)
    services.statements_calculate(month=MONTH, locality=org.locality, by_staff=staff)
    services.statements_freeze(month=MONTH, locality=org.locality, by_staff=staff)
    frozen = StatementRow.objects.get()
    correct(marks[0], present=False, reason="illness_certified", shown_in=NEXT, by=staff)
    mark_month(a, NEXT, ["+"] * 30, by=staff)
    lock_month(group, NEXT)
    services.statements_calculate(month=NEXT, locality=org.locality, by_staff=staff)
    november = Statement.objects.get(month=NEXT)
    refund = StatementRow.objects.get(statement=november, kind="refund")
    correction = StatementRow.objects.get(statement=november, kind="correction")
    assert (refund.refunds_id, refund.amount) == (frozen.pk, -frozen.amount)
    assert (correction.amount, correction.for_month) == (Decimal("62000.00"), MONTH)
    assert november.corrections == correction.amount + refund.amount
    assert november.total == november.amount + november.corrections


def test_a_month_not_locked_is_refused_and_nothing_is_written() -> None:
    org = kindergarten()
    staff = operator(org.locality)
    rates(org.locality, staff)
    group = group_of(org)
    mark_month(enrol(group), MONTH, ["+"] * 5, by=staff)
    lock_month(group, MONTH, state="submitted")
    before = (Statement.objects.count(), StatementRow.objects.count(), LedgerEvent.objects.count())
    with pytest.raises(Conflict):
        services.statements_calculate(month=MONTH, locality=org.locality, by_staff=staff)
    with pytest.raises(Conflict):
        services.statements_calculate(month=MONTH, locality=org.locality, organisation=org, by_staff=staff)
    assert (Statement.objects.count(), StatementRow.objects.count(), LedgerEvent.objects.count()) == before


def test_a_draft_is_recalculated_in_place() -> None:
    org = kindergarten()
    staff = operator(org.locality)
    rates(org.locality, staff)
    group = group_of(org)
    mark_month(enrol(group), MONTH, ["+"] * 5, by=staff)
    lock_month(group, MONTH)
    services.statements_calculate(month=MONTH, locality=org.locality, by_staff=staff)
    services.statements_calculate(month=MONTH, locality=org.locality, by_staff=staff)
    assert (Statement.objects.count(), StatementRow.objects.count()) == (1, 1)
