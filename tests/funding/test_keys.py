"""E25: every reference of a statement row is held by the database (migrations 0004–0005): on PostgreSQL
two composite foreign keys — (enrolment, child) and (statement, group, month, rate) through the
statement's groups — on SQLite the plain keys and a trigger for the child."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from kezek.funding import services
from kezek.funding.models import Rate, StatementGroup, StatementRow

from .helpers import MONTH, enrol, group_of, kindergarten, lock_month, mark_month, operator, rates

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kezek.core.clock.today", lambda: dt.date(2026, 12, 9))


def _calculated() -> StatementRow:
    org = kindergarten()
    staff = operator(org.locality)
    rates(org.locality, staff)
    first, second = group_of(org), group_of(org)
    for group in (first, second):
        mark_month(enrol(group), MONTH, ["+"] * 5, by=staff)
        lock_month(group, MONTH)
    services.statements_calculate(month=MONTH, locality=org.locality, by_staff=staff)
    return StatementRow.objects.order_by("pk").first()  # type: ignore[return-value]


KEYS = "funding_row_enrollment_child, funding_row_statement_group"


def _change(sql: str, params: Sequence[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"SET CONSTRAINTS {KEYS} IMMEDIATE")


def _refused(sql: str, params: Sequence[Any]) -> None:
    """The change is refused by the database, at once or when its deferred keys are checked."""
    with pytest.raises(IntegrityError):
        _change(sql, params)


def test_a_statement_has_its_groups_and_a_recalculation_replaces_them() -> None:
    row = _calculated()
    keys = set(StatementRow.objects.values_list("statement_id", "group_id", "for_month", "rate_id"))
    groups = set(StatementGroup.objects.values_list("statement_id", "group_id", "for_month", "rate_id"))
    assert groups == keys
    assert len(groups) == 2
    org = row.statement.organisation
    services.statements_calculate(month=MONTH, locality=org.locality, by_staff=operator(org.locality))
    assert StatementGroup.objects.count() == 2
    assert set(StatementGroup.objects.values_list("statement_id", flat=True)) == {
        StatementRow.objects.values_list("statement_id", flat=True).first()
    }


def test_a_row_whose_child_is_not_its_enrolments_is_refused() -> None:
    row = _calculated()
    other = StatementRow.objects.exclude(pk=row.pk).get()
    _refused("UPDATE funding_statementrow SET child_id = %s WHERE id = %s", [other.child_id, row.pk])
    _refused("UPDATE funding_statementrow SET enrollment_id = %s WHERE id = %s", [10**9, row.pk])


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_row_outside_its_statements_groups_is_refused() -> None:
    """PostgreSQL: the group, month and rate of a row are those of one of its statement's groups."""
    row = _calculated()
    stranger = group_of(kindergarten(row.group.organisation.locality))
    assert row.rate_id is not None
    rate = Rate.objects.exclude(pk=row.rate_id).first()
    assert rate is not None
    _refused("UPDATE funding_statementrow SET group_id = %s WHERE id = %s", [stranger.pk, row.pk])
    _refused("UPDATE funding_statementrow SET rate_id = %s WHERE id = %s", [rate.pk, row.pk])
    _refused("UPDATE funding_statementrow SET rate_id = NULL WHERE id = %s", [row.pk])
    _refused("UPDATE funding_statementrow SET for_month = %s WHERE id = %s", [dt.date(2026, 9, 1), row.pk])
    _refused("DELETE FROM funding_statementgroup WHERE group_id = %s", [row.group_id])
