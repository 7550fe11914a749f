"""The timesheet's rules (E10–E17): working days, bad input refused with nothing written, the approval
window across KZ holidays in time-travel, the frozen sheet and the integrity check's finding."""

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from kezek.attendance import selectors, services
from kezek.attendance.models import ChildMonth, Correction, Dispute, DutyDay, Mark, TimesheetMonth
from kezek.core.errors import DomainError
from kezek.core.tick import tick_run
from kezek.facilities.models import Organisation
from kezek.integrity.diff import integrity_check
from kezek.ledger.models import LedgerEvent
from kezek.staff.models import Role
from tests.factories import staff_user
from tests.integrity.tampering import tamper

from .conftest import Kindergarten, at, enrol, make_kindergarten, mark_days, mark_month, submit

pytestmark = pytest.mark.django_db
OCTOBER = dt.date(2026, 10, 1)
DECEMBER = dt.date(2026, 12, 1)


def rows() -> tuple[int, ...]:
    return (
        Mark.objects.count(),
        TimesheetMonth.objects.count(),
        ChildMonth.objects.count(),
        Dispute.objects.count(),
        Correction.objects.count(),
        LedgerEvent.objects.count(),
    )


def refused(code: str, status: int, call: Callable[[], object]) -> None:
    """The call is refused with `code` and `status`, and writes nothing."""
    before = rows()
    with pytest.raises(DomainError) as caught:
        call()
    assert (caught.value.code, caught.value.status) == (code, status)
    assert rows() == before


# --- working days (E12) ---------------------------------------------------------------------------------


def test_working_days_follow_the_kz_calendar_and_the_week() -> None:
    five = make_kindergarten(1).group
    six = make_kindergarten(1, work_week=Organisation.WorkWeek.SIX_DAY).group
    march = dt.date(2026, 3, 1)
    five_days, six_days = (selectors.working_days(group=g, month=march) for g in (five, six))
    # 2026: 8 March (Sunday) observed on Monday 9; Nauryz 21–23 March (Saturday to Monday), 24 March off.
    assert dt.date(2026, 3, 9) not in five_days
    assert dt.date(2026, 3, 23) not in five_days
    assert dt.date(2026, 3, 14) in six_days  # an ordinary Saturday works in a six-day week
    assert dt.date(2026, 3, 14) not in five_days
    assert dt.date(2026, 3, 21) not in six_days  # a Saturday that is a holiday does not
    assert set(five_days) < set(six_days)
    DutyDay.objects.create(group=five, day=dt.date(2026, 3, 23))
    assert dt.date(2026, 3, 23) in selectors.working_days(group=five, month=march)


def test_round_the_clock_works_every_day() -> None:
    group = make_kindergarten(1, work_week=Organisation.WorkWeek.ROUND_THE_CLOCK).group
    assert len(selectors.working_days(group=group, month=OCTOBER)) == 31


# --- bad input (E11, E13, E14, E16) ------------------------------------------------------------------


def test_bad_marks_are_refused_and_write_nothing(kg: Kindergarten) -> None:
    day = dt.date(2026, 10, 14)
    mark = lambda **kw: lambda: services.day_mark(group=kg.group, by_staff=kg.teacher, **kw)  # noqa: E731
    with time_machine.travel(at(day, 17), tick=False):
        refused("day_future", 422, mark(day=day + dt.timedelta(days=1), absences={}))
        refused("day_not_working", 422, mark(day=dt.date(2026, 10, 10), absences={}))  # a Saturday
        refused(  # August locked on 8 September (the head may mark, not that month)
            "month_closed",
            409,
            lambda: services.day_mark(
                group=kg.group, day=dt.date(2026, 8, 31), absences={}, by_staff=kg.head
            ),
        )
        stranger = staff_user(role=Role.TEACHER, organisation=kg.organisation)
        refused(  # a teacher of the kindergarten not assigned to the group
            "not_assigned",
            403,
            lambda: services.day_mark(group=kg.group, day=day, absences={}, by_staff=stranger),
        )
        refused("not_enrolled", 422, mark(day=day, absences={999999: "illness"}))
        refused("reason_invalid", 422, mark(day=day, absences={kg.enrollments[0].pk: "holiday"}))
        refused(
            "reason_for_present",
            422,
            lambda: services.child_mark(
                enrollment=kg.enrollments[0], day=day, present=True, reason="illness", by_staff=kg.teacher
            ),
        )
        services.day_mark(group=kg.group, day=day, absences={}, by_staff=kg.teacher)
        refused("day_marked", 409, mark(day=day, absences={}))
        refused(  # a department operator does not see the kindergarten's groups
            "not_found",
            404,
            lambda: services.day_mark(
                group=kg.group, day=dt.date(2026, 10, 13), absences={}, by_staff=kg.operator
            ),
        )


def test_a_child_is_marked_only_while_enrolled(kg: Kindergarten) -> None:
    from kezek.placement import services as placement

    leaving = kg.enrollments[0]
    with time_machine.travel(at(dt.date(2026, 10, 9), 9), tick=False):
        placement.enrollment_depart(
            enrollment=leaving, by_staff=kg.head, on=dt.date(2026, 10, 9), reason="moved away"
        )
    with time_machine.travel(at(dt.date(2026, 10, 14), 17), tick=False):
        refused(
            "not_enrolled",
            422,
            lambda: services.child_mark(
                enrollment=leaving, day=dt.date(2026, 10, 12), present=True, by_staff=kg.teacher
            ),
        )
        services.day_mark(group=kg.group, day=dt.date(2026, 10, 12), absences={}, by_staff=kg.teacher)
    assert Mark.objects.filter(day=dt.date(2026, 10, 12)).count() == 2
    ((late, _parent),) = enrol(kg.group, 1, on=dt.date(2026, 10, 13), head=kg.head)
    with time_machine.travel(at(dt.date(2026, 10, 14), 17), tick=False):
        refused(  # a day before the child's enrolment
            "not_enrolled",
            422,
            lambda: services.child_mark(
                enrollment=late, day=dt.date(2026, 10, 12), present=True, by_staff=kg.teacher
            ),
        )
        services.child_mark(enrollment=late, day=dt.date(2026, 10, 13), present=True, by_staff=kg.teacher)


def test_month_submission_needs_a_whole_sheet_and_freezes_it(kg: Kindergarten) -> None:
    days = selectors.working_days(group=kg.group, month=OCTOBER)
    mark_days(kg, days[:-1])
    with time_machine.travel(at(dt.date(2026, 10, 20)), tick=False):
        refused(
            "month_not_over",
            422,
            lambda: services.month_submit(group=kg.group, month=OCTOBER, by_staff=kg.head),
        )
    with time_machine.travel(at(dt.date(2026, 11, 1)), tick=False):
        refused(
            "marks_missing",
            409,
            lambda: services.month_submit(group=kg.group, month=OCTOBER, by_staff=kg.head),
        )
        refused(
            "head_only",
            403,
            lambda: services.month_submit(group=kg.group, month=OCTOBER, by_staff=kg.teacher),
        )
    mark_days(kg, days[-1:])
    submit(kg, OCTOBER)
    with time_machine.travel(at(dt.date(2026, 11, 2)), tick=False):
        refused(
            "month_closed",
            409,
            lambda: services.month_submit(group=kg.group, month=OCTOBER, by_staff=kg.head),
        )
        mark = Mark.objects.filter(day=days[0]).first()
        assert mark is not None
        refused(
            "month_closed",
            409,
            lambda: services.mark_change(mark=mark, present=False, reason="illness", by_staff=kg.teacher),
        )
        refused(
            "month_not_locked",
            409,
            lambda: services.correction_make(
                mark=mark, present=False, reason="illness", note="late certificate", by_staff=kg.head
            ),
        )
    # The database refuses too, whatever code path tries.
    with pytest.raises(IntegrityError), transaction.atomic():
        Mark.objects.filter(pk=mark.pk).update(present=False, reason="illness")
    with pytest.raises(IntegrityError), transaction.atomic():
        Mark.objects.filter(pk=mark.pk).delete()


def test_answers_only_by_the_family_and_only_in_the_window(kg: Kindergarten) -> None:
    days = mark_month(kg, OCTOBER)
    with time_machine.travel(at(dt.date(2026, 10, 31)), tick=False):
        services.month_submit(group=kg.group, month=OCTOBER, by_staff=kg.head)
    mine = ChildMonth.objects.get(enrollment=kg.enrollments[0])
    approve = lambda applicant: lambda: services.child_month_approve(child_month=mine, applicant=applicant)  # noqa: E731
    with time_machine.travel(at(dt.date(2026, 10, 31), 23), tick=False):
        refused("window_not_open", 409, approve(kg.applicants[0]))
    with time_machine.travel(at(dt.date(2026, 11, 3)), tick=False):
        refused("not_found", 404, approve(kg.applicants[1]))
        refused(
            "days_required",
            422,
            lambda: services.child_month_dispute(child_month=mine, applicant=kg.applicants[0], days={}),
        )
        refused(
            "day_not_in_sheet",
            422,
            lambda: services.child_month_dispute(
                child_month=mine, applicant=kg.applicants[0], days={dt.date(2026, 10, 10): "Saturday?"}
            ),
        )
        refused(
            "comment_required",
            422,
            lambda: services.child_month_dispute(
                child_month=mine, applicant=kg.applicants[0], days={days[0]: " "}
            ),
        )
        services.child_month_approve(child_month=mine, applicant=kg.applicants[0])
        refused("answered", 409, approve(kg.applicants[0]))
    late = ChildMonth.objects.get(enrollment=kg.enrollments[1])
    with time_machine.travel(at(dt.date(2026, 11, 8), 0), tick=False):
        refused(
            "window_closed",
            409,
            lambda: services.child_month_approve(child_month=late, applicant=kg.applicants[1]),
        )


# --- the window across holidays (E14): calendar days 1–7, holidays included ----------------------------


def test_the_new_year_window_is_days_1_to_7_despite_the_holidays(kg: Kindergarten) -> None:
    """December's window: 1–2 January (New Year) and 7 January (Orthodox Christmas) are holidays; the
    window neither starts later nor ends later, and the month locks on 8 January."""
    mark_month(kg, DECEMBER)
    with time_machine.travel(at(dt.date(2026, 12, 31), 18), tick=False):
        timesheet = services.month_submit(group=kg.group, month=DECEMBER, by_staff=kg.head)
    assert selectors.approval_window(DECEMBER) == (dt.date(2027, 1, 1), dt.date(2027, 1, 7))
    first, second, third = (ChildMonth.objects.get(enrollment=e) for e in kg.enrollments)
    with time_machine.travel(at(dt.date(2027, 1, 1), 0), tick=False):  # a holiday, 00:00 Almaty
        services.child_month_approve(child_month=first, applicant=kg.applicants[0])
    with time_machine.travel(
        dt.datetime(2027, 1, 7, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=5))), tick=False
    ):
        assert tick_run()["attendance.months_lock"] == 0  # the 7th is still in the window
        services.child_month_approve(child_month=second, applicant=kg.applicants[1])
    with time_machine.travel(at(dt.date(2027, 1, 8), 0), tick=False):
        assert selectors.child_month_effective_state(ChildMonth.objects.get(pk=third.pk)) == "unconfirmed"
        refused(
            "window_closed",
            409,
            lambda: services.child_month_approve(child_month=third, applicant=kg.applicants[2]),
        )
        assert tick_run()["attendance.months_lock"] == 1
    assert TimesheetMonth.objects.get(pk=timesheet.pk).state == "locked"
    assert ChildMonth.objects.get(pk=third.pk).state == "unconfirmed"


def test_a_late_sweep_still_reads_locked_and_locks_once(kg: Kindergarten) -> None:
    mark_month(kg, OCTOBER)
    submit(kg, OCTOBER)
    with time_machine.travel(at(dt.date(2026, 12, 20)), tick=False):  # the sweep ran for weeks not
        assert selectors.month_effective_state(group=kg.group, month=OCTOBER) == "locked"
        assert tick_run()["attendance.months_lock"] == 1
        assert tick_run()["attendance.months_lock"] == 0


# --- corrections after the lock (E16) ------------------------------------------------------------------


def test_a_correction_after_the_lock_shows_in_the_next_open_month(kg: Kindergarten) -> None:
    days = mark_month(kg, OCTOBER)
    submit(kg, OCTOBER)
    mark = Mark.objects.get(enrollment=kg.enrollments[0], day=days[0])
    with time_machine.travel(at(dt.date(2026, 11, 20)), tick=False):
        tick_run()
        correction = services.correction_make(
            mark=mark,
            present=False,
            reason="illness_certified",
            note="certificate brought late",
            by_staff=kg.head,
        )
        refused(
            "same_mark",
            422,
            lambda: services.correction_make(
                mark=mark, present=False, reason="illness_certified", note="again", by_staff=kg.head
            ),
        )
    assert correction.shown_in == dt.date(2026, 11, 1)
    assert Mark.objects.get(pk=mark.pk).present  # the mark itself never changes
    with pytest.raises(IntegrityError), transaction.atomic():
        Correction.objects.filter(pk=correction.pk).update(note="changed")
    assert integrity_check().findings == []


# --- the canonical sheet and the integrity check (E15) ---------------------------------------------------


def test_the_canonical_sheet_is_order_free_and_documented() -> None:
    rows_ = [(2, dt.date(2026, 10, 2), False, "illness"), (1, dt.date(2026, 10, 1), True, "")]
    text = selectors.sheet_of(rows_, group_id=7, month=OCTOBER)
    assert text == (
        '{"group":7,"marks":[[1,"2026-10-01","present"],[2,"2026-10-02","illness"]],"month":"2026-10","v":1}'
    )
    assert selectors.sheet_of(list(reversed(rows_)), group_id=7, month=OCTOBER) == text


@pytest.mark.database_owner  # triggers off: only the owner may
def test_a_silent_edit_of_a_submitted_mark_is_found(kg: Kindergarten) -> None:
    days = mark_month(kg, OCTOBER)
    timesheet = submit(kg, OCTOBER)
    assert integrity_check().findings == []
    mark = Mark.objects.get(enrollment=kg.enrollments[0], day=days[5])
    tamper(Mark, mark.pk, present=False, reason="illness")
    findings = integrity_check().findings
    assert [(f.kind, f.object) for f in findings] == [("timesheet.sheet", f"timesheet {timesheet.pk}")]


@pytest.mark.database_owner  # triggers off: only the owner may
def test_a_month_hash_rewritten_in_the_row_is_found(kg: Kindergarten) -> None:
    mark_month(kg, OCTOBER)
    timesheet = submit(kg, OCTOBER)
    tamper(TimesheetMonth, timesheet.pk, sheet_sha256="0" * 64)
    kinds = {f.kind for f in integrity_check().findings}
    assert kinds == {"timesheet.sheet_sha256"}


def test_is_postgres_or_sqlite_triggers_exist() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'attendance_%'")
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name LIKE 'attendance_%'"
            )
        assert cursor.fetchone()[0] >= 3
