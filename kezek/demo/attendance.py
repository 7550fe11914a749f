"""Demo timesheets (issue #18, E10–E19): a teacher for every group of the first demo kindergarten (the
first two sign in: `TEACHERS`), its children — enrolled from the queue before the month before last
(`kezek.demo.records`), and a staff child by the head's order in each of the first two groups — and
their marks since the first day of the month before last.

The month before last is locked (approvals, one dispute resolved, the rest unconfirmed), last month is
submitted (or locked, from day 8), the current month is open up to yesterday: today is left for the
teacher. History is written in bulk — marks, months, answers — with the ledger events the services
would have written (the integrity check recomputes each frozen sheet's hash, E15).
"""

import datetime as dt
import random

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from kezek.attendance import selectors, services
from kezek.attendance.models import (
    AbsenceReason,
    ChildMonth,
    Closure,
    Correction,
    Dispute,
    DutyDay,
    Mark,
    TeacherAssignment,
    TimesheetMonth,
)
from kezek.core import clock
from kezek.core.errors import DomainError
from kezek.discretion.basis import Basis
from kezek.discretion.models import DiscretionBasis
from kezek.facilities.models import Group, Locality, Organisation
from kezek.placement import services as placement
from kezek.placement.models import Enrollment
from kezek.staff.models import Role, StaffProfile
from kezek.waitlist.models import Application

from . import catalogue as cat
from .records import contract_sign
from .staff import demo_user_create
from .writers import frozen_tables_empty

TEACHERS = ("demo-teacher", "demo-teacher-2")
STAFF_CHILDREN_PER_GROUP = 1  # in each of the demo teachers' groups (P7: the feature shown, not the rule)
MODELS = (Dispute, Correction, ChildMonth, Mark, TimesheetMonth, Closure, DutyDay, TeacherAssignment)
# Absences drawn for the demo: mostly illness, some leave, a few unexcused.
REASONS = [AbsenceReason.ILLNESS_CERTIFIED] * 3 + [
    AbsenceReason.ILLNESS,
    AbsenceReason.LEAVE,
    AbsenceReason.UNEXCUSED,
]


def demo_attendance_delete() -> None:
    """Empty the timesheet tables (the demo's reset: every timesheet is demo data, as the queue is).
    PostgreSQL: TRUNCATE (row triggers do not fire); SQLite: DELETE while the database is being emptied."""
    frozen_tables_empty(MODELS, cascade=True)
    # The bases of the demo's enrolments by the head's order; the enrolments themselves go with their
    # children's files (`demo_records_delete`, next).
    localities = Locality.objects.filter(region__code__in=cat.DEMO_REGION_CODES)
    enrollments = Enrollment.objects.filter(group__organisation__locality__in=localities)
    ids = [str(pk) for pk in enrollments.values_list("pk", flat=True)]
    DiscretionBasis.objects.filter(subject_type="enrollment", subject_id__in=ids).delete()


def _month_back(month: dt.date) -> dt.date:
    return selectors.month_start(month - dt.timedelta(days=1))


def demo_attendance_load(*, seed: int) -> dict[str, int]:
    """Teachers and a couple of months of marks for every group of the first demo kindergarten: the
    children the queue's directions enrolled there before the month before last (`kezek.demo.records`), and
    a staff child in each of the first two groups (P7, the head's order)."""
    if getattr(settings, "IS_PRODUCTION", False):
        return {}
    locality = Locality.objects.filter(region__code__in=cat.DEMO_REGION_CODES).order_by("pk").first()
    organisation = (
        Organisation.objects.filter(locality=locality, is_active=True).order_by("pk").first()
        if locality
        else None
    )
    head = User.objects.filter(username="demo-kindergarten").first()
    if organisation is None or head is None:
        return {}
    today = clock.today()
    current = selectors.month_start(today)
    start = _month_back(_month_back(current))
    groups = list(Group.objects.filter(organisation=organisation, is_active=True).order_by("age_from", "pk"))
    rng = random.Random(seed)
    counts = {"teachers": 0, "groups": 0, "enrolled": 0, "staff_children": 0, "marks": 0, "months": 0}
    with transaction.atomic():
        for index, group in enumerate(groups):
            enrollments = list(
                Enrollment.objects.filter(group=group, left_on=None, enrolled_on__lte=start).order_by("pk")
            )
            if index < len(TEACHERS):
                staff_children = _enrol(group, head=head, on=start)
                counts["staff_children"] += len(staff_children)
                enrollments += staff_children
            if not enrollments:
                continue
            login = index < len(TEACHERS)
            # The others sign in nowhere: their marks only.
            user = demo_user_create(TEACHERS[index] if login else f"demo-teacher-{index + 1}", login=login)
            profile = StaffProfile.objects.create(user=user, role=Role.TEACHER, organisation=organisation)
            services.teacher_assign(profile=profile, group=group, since=start, by_staff=head)
            counts["teachers"] += login
            counts["groups"] += 1
            counts["enrolled"] += len(enrollments)
            month = start
            while month <= current:
                marks = _marks(group, enrollments, month=month, today=today, rng=rng, teacher=user)
                counts["marks"] += marks
                if month < current and marks:
                    _close(group, month, today=today, head=head, rng=rng)
                    counts["months"] += 1
                month = selectors.next_month(month)
    return counts


def _enrol(group: Group, *, head: User, on: dt.date) -> list[Enrollment]:
    """Queued children of the group's ages, enrolled on `on` by the head's order (their applications leave
    the queue with it, P9); their parents see the timesheets in the cabinet."""
    born_after = on.replace(year=on.year - group.age_to)
    born_by = on.replace(year=on.year - group.age_from)
    applications = (
        Application.objects.filter(
            locality_id=group.organisation.locality_id,
            status__in=Application.ACTIVE_STATUSES,
            child__birth_date__gt=born_after,
            child__birth_date__lte=born_by,
            child__enrollments__isnull=True,
        )
        .select_related("child")
        .order_by("pk")
    )
    enrollments: list[Enrollment] = []
    seen: set[int] = set()
    for application in applications[: STAFF_CHILDREN_PER_GROUP * 3]:
        if len(enrollments) >= STAFF_CHILDREN_PER_GROUP or application.child_id in seen:
            continue
        seen.add(application.child_id)
        basis = Basis(
            document_number=f"D-{group.pk}-{len(enrollments) + 1}",
            document_date=on,
            reason="Demo order of the head: enrolment for the attendance timesheet",
        )
        try:
            with transaction.atomic():
                enrollment = placement.enrollment_staff_child(
                    group=group, child_iin=application.child.iin, by_staff=head, basis=basis, on=on
                )
                contract_sign(enrollment, head=head)
                enrollments.append(enrollment)
        except DomainError:  # a child the rules refuse (age on the day, no seat): the next one
            continue
    return enrollments


def _marks(
    group: Group,
    enrollments: list[Enrollment],
    *,
    month: dt.date,
    today: dt.date,
    rng: random.Random,
    teacher: User,
) -> int:
    """Every working day of the month before today, everyone enrolled: mostly present."""
    rows = []
    days = [d for d in selectors.working_days(group=group, month=month) if d < today]
    for day in days:
        present = 0
        for enrollment in enrollments:
            absent = rng.random() < 0.12
            reason = rng.choice(REASONS) if absent else ""
            present += not absent
            rows.append(
                Mark(
                    enrollment=enrollment,
                    child_id=enrollment.child_id,
                    group=group,
                    day=day,
                    present=not absent,
                    reason=reason,
                    marked_by=teacher,
                    marked_at=clock.now(),
                )
            )
        placement.group_event_append(
            "attendance.day_marked",
            subject_type="group",
            subject_id=group.pk,
            group=group,
            day=day,
            present=present,
            absent=len(enrollments) - present,
            by=teacher.pk,
        )
    Mark.objects.bulk_create(rows, batch_size=2000)
    if rows:
        TimesheetMonth.objects.get_or_create(group=group, month=month)
    return len(rows)


def _close(group: Group, month: dt.date, *, today: dt.date, head: User, rng: random.Random) -> None:
    """Submit the month; answers as parents would give them; the lock when its day 8 has come."""
    timesheet = TimesheetMonth.objects.get(group=group, month=month)
    facts = services._sheet_facts(timesheet)
    now = clock.now()
    TimesheetMonth.objects.filter(pk=timesheet.pk).update(
        state=TimesheetMonth.State.SUBMITTED,
        submitted_at=now,
        submitted_by=head,
        sheet_sha256=str(facts["sheet_sha256"]),
    )
    timesheet.refresh_from_db()
    services._child_months_create(timesheet)
    placement.group_event_append(
        "timesheet.submitted",
        subject_type="timesheet",
        subject_id=timesheet.pk,
        group=group,
        **facts,
        by=head.pk,
    )
    if selectors.lock_day(month) > today:
        return  # parents answer now (or from the 1st)
    child_months = list(ChildMonth.objects.filter(timesheet=timesheet).order_by("pk"))
    for index, child_month in enumerate(child_months):
        if index % 4 == 3:
            continue  # not answered: "not confirmed by the parent" at the lock
        disputed = index == 1
        child_month.state = ChildMonth.State.DISPUTED if disputed else ChildMonth.State.APPROVED
        child_month.answered_at = now
        child_month.applicant = (
            Application.objects.filter(child_id=child_month.enrollment.child_id)
            .select_related("applicant")
            .first()
        ).applicant  # type: ignore[union-attr]  # the demo enrols children of queued applications
        child_month.answer_sha256 = timesheet.sheet_sha256
        child_month.save(update_fields=["state", "answered_at", "applicant", "answer_sha256"])
        if disputed:
            mark = (
                Mark.objects.filter(
                    enrollment_id=child_month.enrollment_id,
                    group=group,
                    day__gte=month,
                    day__lt=selectors.next_month(month),
                )
                .order_by("day")
                .first()
            )
            assert mark is not None  # noqa: S101 — a child month exists only for a child with marks
            dispute = Dispute.objects.create(
                child_month=child_month, day=mark.day, created_at=now, comment="We were on holiday that week"
            )
            services._answer_event("child_month.disputed", child_month, days=1, by="applicant")
            dispute.resolution, dispute.resolution_note = (
                Dispute.Resolution.MARK_KEPT,
                "The teacher's record stands",
            )
            dispute.resolved_by, dispute.resolved_at = User.objects.get(username="demo-operator"), now
            dispute.save()
            child_month.state = ChildMonth.State.RESOLVED
            child_month.save(update_fields=["state"])
            placement.group_event_append(
                "dispute.resolved",
                subject_type="dispute",
                subject_id=dispute.pk,
                group=group,
                timesheet=timesheet.pk,
                month=month,
                sheet_sha256=timesheet.sheet_sha256,
                resolution=dispute.resolution,
                correction=None,
                child_month_state=child_month.state,
                by=dispute.resolved_by.pk,
            )
        else:
            services._answer_event("child_month.approved", child_month, by="applicant")
    services._month_lock(timesheet.pk, now)
