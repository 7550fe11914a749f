"""E28: integrity_check reports a frozen row edited in SQL, and rates edited behind the ledger."""

import datetime as dt

import pytest
from django.db import connection

from kezek.attendance.selectors import working_days
from kezek.funding import services
from kezek.funding.models import Rate, StatementRow
from kezek.integrity.diff import integrity_check

from .helpers import MONTH, enrol, group_of, kindergarten, lock_month, mark_month, operator, rates

pytestmark = pytest.mark.django_db


def funding_kinds() -> list[str]:
    return sorted(f.kind for f in integrity_check().findings if f.kind.startswith("funding"))


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kezek.core.clock.today", lambda: dt.date(2026, 12, 9))
    org = kindergarten()
    staff = operator(org.locality)
    rates(org.locality, staff)
    group = group_of(org)
    for _ in range(3):
        mark_month(enrol(group), MONTH, ["+"] * len(working_days(group=group, month=MONTH)), by=staff)
    lock_month(group, MONTH)
    services.statements_calculate(month=MONTH, locality=org.locality, by_staff=staff)
    services.statements_freeze(month=MONTH, locality=org.locality, by_staff=staff)


def test_untouched_funding_has_no_findings(frozen: None) -> None:
    assert funding_kinds() == []


def test_a_frozen_row_edited_in_sql_is_reported(frozen: None) -> None:
    row = StatementRow.objects.order_by("pk").first()
    assert row is not None
    with connection.cursor() as cursor:
        cursor.execute("UPDATE funding_statementrow SET amount = amount + 1000 WHERE id = %s", [row.pk])
    assert funding_kinds() == ["funding_statement.sha256"]


def test_a_rate_edited_in_sql_is_reported(frozen: None) -> None:
    rate = Rate.objects.order_by("pk").first()
    assert rate is not None
    with connection.cursor() as cursor:
        cursor.execute("UPDATE funding_rate SET amount = 1 WHERE id = %s", [rate.pk])
    assert funding_kinds() == ["funding_rate.amount"]
