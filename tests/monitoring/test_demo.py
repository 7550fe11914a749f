"""The demo's development monitoring (kezek.demo.monitoring): the start point filled for part of the first
group's children (open) and for all of the second's (locked, seen by the parents); the integrity check finds
nothing, and the demo's reset empties it."""

import datetime as dt

import pytest
import time_machine

from kezek.demo.services import demo_load
from kezek.integrity.diff import integrity_check
from kezek.monitoring.models import Card, Point
from kezek.placement.models import Enrollment

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.mark.database_owner  # the reset empties the ledger (TRUNCATE)
def test_the_demo_fills_a_point_for_part_of_the_children() -> None:
    with time_machine.travel(at(dt.date(2026, 12, 3), 9), tick=False):
        demo_load(scale="small", seed=7)
        points = list(Point.objects.order_by("group_id"))
        assert [p.state for p in points] == ["open", "locked"]
        first = points[0]
        enrolled = Enrollment.objects.filter(group_id=first.group_id, left_on__isnull=True).count()
        assert 0 < Card.objects.filter(point=first).count() < enrolled
        assert Card.objects.filter(point=points[1]).count() > 0
        assert integrity_check().findings == []
        demo_load(scale="small", seed=7, reset=True)
        assert Point.objects.count() == 2
        assert integrity_check().findings == []
