"""The month's life (E11–E16): the teacher marks, the head submits, parents approve or dispute from day 1
to day 7, the department resolves, the tick locks on day 8; every step on the ledger with the sheet's hash."""

import datetime as dt

import pytest
import time_machine

from kezek.attendance import selectors, services
from kezek.attendance.models import ChildMonth, Correction, Dispute, Mark, TimesheetMonth
from kezek.core.errors import Conflict
from kezek.core.tick import tick_run
from kezek.integrity.diff import integrity_check
from kezek.ledger.models import LedgerEvent
from kezek.translog.public import public_data

from .conftest import Kindergarten, at, mark_month, submit

pytestmark = pytest.mark.django_db
OCTOBER = dt.date(2026, 10, 1)


def test_a_month_from_marks_to_the_lock(kg: Kindergarten) -> None:
    first, second, third = kg.enrollments
    days = mark_month(kg, OCTOBER, absences={second.pk: "illness_certified"})
    # 26 October 2026: Republic Day (25th, a Sunday) is observed on Monday — not a working day.
    assert dt.date(2026, 10, 26) not in days
    assert dt.date(2026, 10, 27) in days
    assert Mark.objects.count() == 3 * len(days)
    # Before the submission the teacher corrects a mark.
    with time_machine.travel(at(dt.date(2026, 10, 30), 18), tick=False):
        mark = Mark.objects.get(enrollment=third, day=days[0])
        services.mark_change(mark=mark, present=False, reason="leave", by_staff=kg.teacher)
    timesheet = submit(kg, OCTOBER)
    assert timesheet.state == "submitted"
    assert timesheet.sheet_sha256 == selectors.sheet_sha256(group_id=kg.group.pk, month=OCTOBER)
    assert ChildMonth.objects.filter(timesheet=timesheet).count() == 3
    # After it the marks are frozen (the service refuses, and so does the database).
    with time_machine.travel(at(dt.date(2026, 11, 2)), tick=False), pytest.raises(Conflict):
        services.mark_change(mark=mark, present=True, by_staff=kg.teacher)
    cm = {c.enrollment_id: c for c in ChildMonth.objects.filter(timesheet=timesheet)}
    with time_machine.travel(at(dt.date(2026, 11, 2)), tick=False):
        services.child_month_approve(child_month=cm[first.pk], applicant=kg.applicants[0])
        services.child_month_dispute(
            child_month=cm[second.pk], applicant=kg.applicants[1], days={days[3]: "He was there all day"}
        )
    dispute = Dispute.objects.get()
    with time_machine.travel(at(dt.date(2026, 11, 5)), tick=False):
        services.dispute_resolve(
            dispute=dispute, by_staff=kg.operator, keep=False, present=True, note="Checked"
        )
    correction = Correction.objects.get()
    assert correction.shown_in == dt.date(2026, 11, 1)
    assert correction.mark.present is False
    assert ChildMonth.objects.get(pk=cm[second.pk].pk).state == "resolved"
    # Day 7 the month is still submitted; reads on day 8 say locked even before the sweep.
    with time_machine.travel(at(dt.date(2026, 11, 8), 0), tick=False):
        assert selectors.effective_state(TimesheetMonth.objects.get()) == "locked"
        assert (
            selectors.child_month_effective_state(ChildMonth.objects.get(pk=cm[third.pk].pk)) == "unconfirmed"
        )
        assert tick_run()["attendance.months_lock"] == 1
        assert tick_run()["attendance.months_lock"] == 0  # idempotent
    locked = TimesheetMonth.objects.get()
    assert locked.state == "locked"
    assert locked.sheet_sha256 == timesheet.sheet_sha256
    assert ChildMonth.objects.get(pk=cm[third.pk].pk).state == "unconfirmed"
    kinds = list(
        LedgerEvent.objects.filter(subject_type__in=["timesheet", "child_month", "dispute"]).values_list(
            "kind", flat=True
        )
    )
    assert kinds == [
        "timesheet.submitted",
        "child_month.approved",
        "child_month.disputed",
        "dispute.resolved",
        "timesheet.locked",
    ]
    for event in LedgerEvent.objects.filter(kind__in=["timesheet.submitted", "timesheet.locked"]):
        assert event.payload["sheet_sha256"] == timesheet.sheet_sha256
        data = public_data(event.kind, event.payload)
        assert "enrollment" not in data
        assert "by" not in data
    lock_event = LedgerEvent.objects.get(kind="timesheet.locked")
    assert (
        lock_event.payload["approved"],
        lock_event.payload["resolved"],
        lock_event.payload["unconfirmed"],
    ) == (1, 1, 1)
    assert integrity_check().findings == []


def test_a_month_the_head_never_submitted_is_locked_by_the_sweep(kg: Kindergarten) -> None:
    mark_month(kg, OCTOBER)
    with time_machine.travel(at(dt.date(2026, 11, 20)), tick=False):
        assert tick_run()["attendance.months_lock"] == 1
    timesheet = TimesheetMonth.objects.get()
    assert timesheet.state == "locked"
    assert timesheet.sheet_sha256
    assert set(ChildMonth.objects.values_list("state", flat=True)) == {"unconfirmed"}
    assert integrity_check().findings == []
