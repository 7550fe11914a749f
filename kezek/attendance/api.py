"""Timesheet API (E11, E13, E14): the teacher's day and marks, the head's submission (staff session), the
parent's months, approval and dispute (cabinet session). Every status each operation answers is
declared; refusals are `{code, detail}`, translated, and write nothing."""

import datetime as dt

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from pydantic import Field

from kezek.cabinet.api import cabinet_auth
from kezek.core import clock
from kezek.core.auth import SIGNED_IN_ERRORS
from kezek.core.errors import NotFound, PermissionDenied
from kezek.core.schemas import ErrorOut
from kezek.facilities.models import Group
from kezek.placement.models import Enrollment
from kezek.staff.auth import staff_auth
from kezek.waitlist.models import Applicant

from . import selectors, services
from .models import Mark
from .views import MARKERS, _groups

router = Router(tags=["attendance timesheet"])
REASON_PATTERN = "^(illness_certified|illness|leave|quarantine|unexcused|closed)$"


class MarkOut(Schema):
    id: int
    enrollment: int
    day: dt.date
    present: bool
    reason: str


class DayOut(Schema):
    group: int
    day: dt.date
    working: bool
    editable: bool
    children: list[int]
    marks: list[MarkOut]


class AbsenceIn(Schema):
    enrollment: int = Field(ge=1)
    reason: str = Field(pattern=REASON_PATTERN)


class DayIn(Schema):
    absences: list[AbsenceIn] = Field(default_factory=list, max_length=200)


class ChildMarkIn(Schema):
    enrollment: int = Field(ge=1)
    present: bool
    reason: str = Field(default="", pattern=f"{REASON_PATTERN}|^$")


class MonthOut(Schema):
    group: int
    month: dt.date
    state: str
    sheet_sha256: str
    working_days: list[dt.date]
    missing: int


def _mark_out(mark: Mark) -> MarkOut:
    return MarkOut(
        id=mark.pk, enrollment=mark.enrollment_id, day=mark.day, present=mark.present, reason=mark.reason
    )


def _staff_group(request: HttpRequest, group_id: int) -> Group:
    """The group in the kindergarten's scope; 403 for a role that does not keep timesheets."""
    scope = request.scope  # type: ignore[attr-defined]
    if scope.role not in MARKERS:
        raise PermissionDenied(_("Your role does not allow this."))
    group = _groups(request).filter(pk=group_id).first()
    if group is None:
        raise NotFound(_("Group not found."))
    return group


def _day_out(group: Group, day: dt.date) -> DayOut:
    sheet = selectors.day_sheet(group=group, day=day)
    return DayOut(
        group=group.pk,
        day=day,
        working=sheet.working,
        editable=sheet.editable,
        children=[row.enrollment.pk for row in sheet.rows],
        marks=[_mark_out(row.mark) for row in sheet.rows if row.mark is not None],
    )


@router.get(
    "/staff/attendance/groups/{group_id}/days/{day}",
    response={200: DayOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Teacher: a group's day — the children enrolled and their marks",
)
def day_get(request: HttpRequest, group_id: int, day: dt.date) -> DayOut:
    return _day_out(_staff_group(request, group_id), day)


@router.post(
    "/staff/attendance/groups/{group_id}/days/{day}",
    response={201: DayOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Teacher: mark a day — everyone present except the absences listed (once per day)",
)
def day_mark(request: HttpRequest, group_id: int, day: dt.date, data: DayIn) -> Status[DayOut]:
    group = _staff_group(request, group_id)
    staff: User = request.auth  # type: ignore[attr-defined]
    absences = {a.enrollment: a.reason for a in data.absences}
    services.day_mark(group=group, day=day, absences=absences, by_staff=staff)
    return Status(201, _day_out(group, day))


@router.post(
    "/staff/attendance/groups/{group_id}/days/{day}/marks",
    response={200: MarkOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Teacher: set one child's mark for a day while the month is open",
)
def child_mark(request: HttpRequest, group_id: int, day: dt.date, data: ChildMarkIn) -> MarkOut:
    group = _staff_group(request, group_id)
    staff: User = request.auth  # type: ignore[attr-defined]
    enrollment = Enrollment.objects.filter(pk=data.enrollment, group=group).first()
    if enrollment is None:
        raise NotFound(_("The child was not enrolled in the group on that day."))
    mark = services.child_mark(
        enrollment=enrollment, day=day, present=data.present, reason=data.reason, by_staff=staff
    )
    return _mark_out(mark)


def _month_out(group: Group, month: dt.date) -> MonthOut:
    grid = selectors.month_grid(group=group, month=month)
    return MonthOut(
        group=group.pk,
        month=grid.month,
        state=grid.state,
        sheet_sha256=grid.timesheet.sheet_sha256 if grid.timesheet else "",
        working_days=grid.days,
        missing=grid.missing,
    )


@router.post(
    "/staff/attendance/groups/{group_id}/months/{month}/submit",
    response={200: MonthOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Kindergarten head: submit the month (every working day marked)",
)
def month_submit(request: HttpRequest, group_id: int, month: dt.date) -> MonthOut:
    group = _staff_group(request, group_id)
    staff: User = request.auth  # type: ignore[attr-defined]
    services.month_submit(group=group, month=month, by_staff=staff)
    return _month_out(group, month)


class ChildMonthOut(Schema):
    id: int
    month: dt.date
    group: str
    organisation: str
    state: str
    may_answer: bool
    answer_from: dt.date
    answer_until: dt.date
    sheet_sha256: str
    marks: list[MarkOut]


class DisputedDayIn(Schema):
    day: dt.date
    comment: str = Field(min_length=1, max_length=1000)


class DisputeIn(Schema):
    days: list[DisputedDayIn] = Field(min_length=1, max_length=31)


def _child_month_out(request: HttpRequest, pk: int, *, marks: bool = True) -> ChildMonthOut:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    cm = selectors.child_month_of(applicant=applicant, pk=pk)
    if cm is None:
        raise NotFound(_("Month not found."))
    first, last = selectors.approval_window(cm.timesheet.month)
    today = clock.today()
    return ChildMonthOut(
        id=cm.pk,
        month=cm.timesheet.month,
        group=cm.timesheet.group.name,
        organisation=str(cm.timesheet.group.organisation.name_ru),
        state=selectors.child_month_effective_state(cm),
        may_answer=selectors.may_answer(cm, today=today),
        answer_from=first,
        answer_until=last,
        sheet_sha256=cm.timesheet.sheet_sha256,
        marks=[_mark_out(m) for m in selectors.child_month_marks(cm)] if marks else [],
    )


@router.get(
    "/cabinet/attendance",
    response={200: list[ChildMonthOut], 401: ErrorOut},
    auth=cabinet_auth,
    summary="My children's timesheet months, newest first",
)
def my_months(request: HttpRequest) -> list[ChildMonthOut]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    ids = list(selectors.child_months_of(applicant=applicant).values_list("pk", flat=True)[:60])
    return [_child_month_out(request, pk, marks=False) for pk in ids]


@router.get(
    "/cabinet/attendance/{pk}",
    response={200: ChildMonthOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=cabinet_auth,
    summary="One of my children's months with its marks",
)
def my_month(request: HttpRequest, pk: int) -> ChildMonthOut:
    return _child_month_out(request, pk)


def _own(request: HttpRequest, pk: int) -> tuple[Applicant, object]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    cm = selectors.child_month_of(applicant=applicant, pk=pk)
    if cm is None:
        raise NotFound(_("Month not found."))
    return applicant, cm


@router.post(
    "/cabinet/attendance/{pk}/approve",
    response={200: ChildMonthOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Approve my child's month (days 1 to 7 of the next month)",
)
def approve(request: HttpRequest, pk: int) -> ChildMonthOut:
    applicant, cm = _own(request, pk)
    services.child_month_approve(child_month=cm, applicant=applicant)  # type: ignore[arg-type]
    return _child_month_out(request, pk)


@router.post(
    "/cabinet/attendance/{pk}/dispute",
    response={200: ChildMonthOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Dispute days of my child's month, each with a comment (days 1 to 7 of the next month)",
)
def dispute(request: HttpRequest, pk: int, data: DisputeIn) -> ChildMonthOut:
    applicant, cm = _own(request, pk)
    days = {d.day: d.comment for d in data.days}
    services.child_month_dispute(child_month=cm, applicant=applicant, days=days)  # type: ignore[arg-type]
    return _child_month_out(request, pk)
