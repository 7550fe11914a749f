"""A kindergarten of the timesheet's tests (a group of three children aged 2 enrolled on 1 September 2026,
its head, the group's teacher, an operator) and helpers to fill development cards."""

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import User

from kezek.facilities.models import Group
from kezek.ledger.models import LedgerEvent
from kezek.monitoring import selectors, services
from kezek.monitoring.models import Card, CardMark, CardRead, Indicator, Point, PointDates, Template
from tests.attendance.conftest import Kindergarten, at, make_kindergarten

START_DAY = dt.date(2026, 9, 15)  # inside the default window of the start point (E42)
TABLES = (Point, Card, CardMark, CardRead, PointDates, LedgerEvent)


@pytest.fixture
def kg(db: None) -> Kindergarten:
    return make_kindergarten()


def template_installed() -> None:
    """A transactional test flushes the tables, the data migration's template (E40) with them: load it."""
    if not Template.objects.exists():
        importlib.import_module("kezek.monitoring.migrations.0002_template_v1").load(apps, None)


def codes(group: Group) -> list[str]:
    template = selectors.template_current(START_DAY)
    rows = Indicator.objects.filter(area__template=template, age=selectors.band_of(group))
    return list(rows.order_by("area__position", "position").values_list("code", flat=True))


def all_marks(group: Group, level: str = "medium") -> dict[str, str]:
    return dict.fromkeys(codes(group), level)


def fill(k: Kindergarten, index: int = 0, *, level: str = "medium", period: str = "start",
         on: dt.date = START_DAY, by: User | None = None) -> Card:  # fmt: skip
    with time_machine.travel(at(on), tick=False):
        return services.card_save(
            group=k.group,
            period=period,
            enrollment_id=k.enrollments[index].pk,
            marks=all_marks(k.group, level),
            by_staff=by or k.teacher,
        )


def lock(k: Kindergarten, period: str = "start", on: dt.date = START_DAY) -> Point:
    with time_machine.travel(at(on, 15), tick=False):
        return services.point_lock(group=k.group, period=period, by_staff=k.head)


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in TABLES)


__all__ = ["START_DAY", "Kindergarten", "all_marks", "at", "codes", "counts", "fill", "lock"]
