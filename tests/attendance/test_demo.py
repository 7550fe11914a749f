"""The demo's timesheets (kezek.demo.attendance): teachers with groups, a couple of months of marks, a locked
month with answers and a dispute, the current month open — and the integrity check finds nothing."""

import datetime as dt

import pytest
import time_machine

from kezek.attendance.models import ChildMonth, Dispute, Mark, TeacherAssignment, TimesheetMonth
from kezek.demo.services import demo_load
from kezek.integrity.diff import integrity_check

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("today", [dt.date(2026, 12, 3), dt.date(2026, 12, 10)])
def test_the_demo_has_timesheets_the_ledger_agrees_with(today: dt.date) -> None:
    with time_machine.travel(at(today, 9), tick=False):
        result = demo_load(scale="small", seed=7)
        assert result.attendance["teachers"] == 2
        assert TeacherAssignment.objects.filter(profile__user__username="demo-teacher").exists()
        assert Mark.objects.count() == result.attendance["marks"] > 0
        states = dict(
            TimesheetMonth.objects.filter(month=dt.date(2026, 10, 1)).values_list("group_id", "state")
        )
        assert set(states.values()) == {"locked"}
        assert set(ChildMonth.objects.values_list("state", flat=True)) >= {
            "approved",
            "resolved",
            "unconfirmed",
        }
        assert Dispute.objects.exclude(resolved_at=None).exists()
        november = set(
            TimesheetMonth.objects.filter(month=dt.date(2026, 11, 1)).values_list("state", flat=True)
        )
        assert november == ({"submitted"} if today.day < 8 else {"locked"})
        assert set(
            TimesheetMonth.objects.filter(month=dt.date(2026, 12, 1)).values_list("state", flat=True)
        ) == {"open"}
        assert not Mark.objects.filter(day__gte=today).exists()  # today is left for the teacher
        assert integrity_check().findings == []
        demo_load(scale="small", seed=7, reset=True)
        assert integrity_check().findings == []
