"""Writes of the attendance timesheet (rules E10–E19). Each change is a ledger event in its transaction;
the month's events carry the sha256 of its canonical sheet (E15)."""

import datetime as dt
from collections.abc import Mapping

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kezek.facilities.locks import group_lock
from kezek.facilities.models import Group, Organisation
from kezek.ledger.services import ledger_append
from kezek.placement.models import Enrollment
from kezek.placement.services import group_event_append
from kezek.staff.models import Role, StaffProfile
from kezek.waitlist.models import Applicant

from . import locks, selectors
from .models import (
    REASON_VALUES,
    AbsenceReason,
    ChildMonth,
    Closure,
    Correction,
    Dispute,
    Mark,
    TeacherAssignment,
    TimesheetMonth,
)

COMMENT_MIN = 3  # characters of a parent's comment on a disputed day, or of a note
TEXT_MAX = 1000
HEADS = (Role.KINDERGARTEN_HEAD, Role.ADMINISTRATOR)
DEPARTMENT = (Role.OPERATOR, Role.DEPARTMENT_HEAD, Role.ADMINISTRATOR)


def _profile(user: User) -> StaffProfile:
    profile = StaffProfile.objects.filter(user_id=user.pk, is_active=True).first()
    if profile is None:
        raise PermissionDenied(_("This account has no back-office role."))
    return profile


def _may_mark(user: User, group: Group, day: dt.date) -> None:
    """E10: the group's teacher on that day, the kindergarten's head or staff, or an administrator."""
    profile = _profile(user)
    if profile.role == Role.ADMINISTRATOR:
        return
    if profile.organisation_id != group.organisation_id:
        raise NotFound(_("Group not found."))
    if profile.role in (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF):
        return
    if profile.role == Role.TEACHER and selectors.assignments_current(profile_id=profile.pk, on=day).filter(
        group=group
    ):
        return
    raise PermissionDenied(_("You do not keep the timesheet of this group."), code="not_assigned")


def _head_of(user: User, organisation_id: int) -> None:
    profile = _profile(user)
    if profile.role == Role.ADMINISTRATOR:
        return
    if profile.role != Role.KINDERGARTEN_HEAD or profile.organisation_id != organisation_id:
        raise PermissionDenied(_("Only the kindergarten's head may do this."), code="head_only")


def _reason_checked(present: bool, reason: str) -> str:
    """E11: present has no reason; an absence has one from the list."""
    if present:
        if reason:
            raise ValidationFailed(_("A present child has no reason of absence."), code="reason_for_present")
        return ""
    if reason not in REASON_VALUES:
        raise ValidationFailed(_("Choose a reason of absence from the list."), code="reason_invalid")
    return reason


def _month_row(group: Group, month: dt.date) -> TimesheetMonth:
    """The group's month row, created open if needed and locked (under the group's lock: no race)."""
    row, _created = TimesheetMonth.objects.get_or_create(group=group, month=selectors.month_start(month))
    return locks.timesheet_lock(row.pk)


def _day_checked(group: Group, day: dt.date, today: dt.date) -> None:
    """E11: a day may be marked when it has come, is a working day of the group and its month is open."""
    if day > today:
        raise ValidationFailed(_("A day in the future cannot be marked."), code="day_future")
    if day not in selectors.working_days(group=group, month=day):
        raise ValidationFailed(_("This is not a working day of the group."), code="day_not_working")
    if selectors.month_effective_state(group=group, month=day, today=today) != TimesheetMonth.State.OPEN:
        raise Conflict(
            _("The month is submitted or locked: its marks can no longer be changed."), code="month_closed"
        )


# --- teachers (E10) -----------------------------------------------------------------------------------


def teacher_assign(
    *, profile: StaffProfile, group: Group, since: dt.date, by_staff: User
) -> TeacherAssignment:
    """E10: the head gives a teacher of the kindergarten a group to keep the timesheet of."""
    _head_of(by_staff, group.organisation_id)
    if (
        profile.role != Role.TEACHER
        or profile.organisation_id != group.organisation_id
        or not profile.is_active
    ):
        raise ValidationFailed(_("Choose a teacher of this kindergarten."), code="not_a_teacher")
    with transaction.atomic():
        group = group_lock(group.pk)
        try:
            with transaction.atomic():
                assignment = TeacherAssignment.objects.create(profile=profile, group=group, since=since)
        except IntegrityError as exc:
            raise Conflict(_("The teacher already keeps this group."), code="already_assigned") from exc
        group_event_append(
            "teacher.assigned",
            subject_type="teacher_assignment",
            subject_id=assignment.pk,
            group=group,
            since=since,
            profile=profile.pk,
            by=by_staff.pk,
        )
    return assignment


def teacher_unassign(*, assignment: TeacherAssignment, until: dt.date, by_staff: User) -> TeacherAssignment:
    """E10: the teacher keeps the group no more after `until`."""
    _head_of(by_staff, assignment.group.organisation_id)
    if assignment.until is not None or until < assignment.since:
        raise ValidationFailed(_("The date is not possible."), code="date_invalid")
    with transaction.atomic():
        group = group_lock(assignment.group_id)
        assignment.until = until
        assignment.save(update_fields=["until"])
        group_event_append(
            "teacher.unassigned",
            subject_type="teacher_assignment",
            subject_id=assignment.pk,
            group=group,
            until=until,
            by=by_staff.pk,
        )
    return assignment


# --- marks (E11) --------------------------------------------------------------------------------------


def day_mark(*, group: Group, day: dt.date, absences: Mapping[int, str], by_staff: User) -> list[Mark]:
    """E11: mark a working day of the group: every child enrolled that day is present unless `absences`
    ({enrolment id: reason}) says otherwise. A day is marked once (409 the second time: change a child's
    mark instead); two teachers at once leave one set of marks (the group's lock, and the unique
    (enrolment, day) in the database)."""
    today = clock.today()
    _may_mark(by_staff, group, day)
    for reason in absences.values():
        _reason_checked(False, reason)
    with transaction.atomic():
        group = group_lock(group.pk)
        _day_checked(group, day, today)
        _month_row(group, day)
        enrollments = list(selectors.enrolled_on_day(group_id=group.pk, day=day))
        ids = {e.pk for e in enrollments}
        stray = set(absences) - ids
        if stray:
            raise ValidationFailed(
                _("A child in the list was not enrolled in the group on that day."), code="not_enrolled"
            )
        if not enrollments:
            raise ValidationFailed(_("No child was enrolled in the group on that day."), code="no_children")
        if Mark.objects.filter(group=group, day=day).exists():
            raise Conflict(_("This day is already marked; change a child's mark instead."), code="day_marked")
        now = clock.now()
        marks = [
            Mark(
                enrollment=e,
                child_id=e.child_id,
                group=group,
                day=day,
                present=e.pk not in absences,
                reason=absences.get(e.pk, ""),
                marked_by=by_staff,
                marked_at=now,
            )
            for e in enrollments
        ]
        try:
            with transaction.atomic():
                Mark.objects.bulk_create(marks)
        except IntegrityError as exc:
            raise Conflict(
                _("This day is already marked; change a child's mark instead."), code="day_marked"
            ) from exc
        present = sum(1 for m in marks if m.present)
        group_event_append(
            "attendance.day_marked",
            subject_type="group",
            subject_id=group.pk,
            group=group,
            day=day,
            present=present,
            absent=len(marks) - present,
            by=by_staff.pk,
        )
    return marks


def mark_change(*, mark: Mark, present: bool, reason: str = "", by_staff: User) -> Mark:
    """E11: change one child's mark while the month is open (after: a correction, E16)."""
    today = clock.today()
    reason = _reason_checked(present, reason)
    group = Group.objects.select_related("organisation").get(pk=mark.group_id)
    _may_mark(by_staff, group, mark.day)
    with transaction.atomic():
        group = group_lock(group.pk)
        _day_checked(group, mark.day, today)
        mark = locks.mark_lock(mark.pk)
        if (mark.present, mark.reason) == (present, reason):
            return mark
        before = "present" if mark.present else mark.reason
        mark.present, mark.reason = present, reason
        mark.marked_by, mark.marked_at = by_staff, clock.now()
        mark.save(update_fields=["present", "reason", "marked_by", "marked_at"])
        group_event_append(
            "attendance.mark_changed",
            subject_type="mark",
            subject_id=mark.pk,
            group=group,
            day=mark.day,
            before=before,
            after="present" if present else reason,
            by=by_staff.pk,
        )
    return mark


def child_mark(
    *, enrollment: Enrollment, day: dt.date, present: bool, reason: str = "", by_staff: User
) -> Mark:
    """E11: one child's mark for a day: changed if the day is marked, else created alone (a child enrolled
    after the group's day was marked)."""
    existing = Mark.objects.filter(enrollment=enrollment, day=day).first()
    if existing is not None:
        return mark_change(mark=existing, present=present, reason=reason, by_staff=by_staff)
    today = clock.today()
    reason = _reason_checked(present, reason)
    group = Group.objects.select_related("organisation").get(pk=enrollment.group_id)
    _may_mark(by_staff, group, day)
    with transaction.atomic():
        group = group_lock(group.pk)
        _day_checked(group, day, today)
        _month_row(group, day)
        if not selectors.enrolled_on_day(group_id=group.pk, day=day).filter(pk=enrollment.pk).exists():
            raise ValidationFailed(
                _("The child was not enrolled in the group on that day."), code="not_enrolled"
            )
        try:
            with transaction.atomic():
                mark = Mark.objects.create(
                    enrollment=enrollment,
                    child_id=enrollment.child_id,
                    group=group,
                    day=day,
                    present=present,
                    reason=reason,
                    marked_by=by_staff,
                    marked_at=clock.now(),
                )
        except IntegrityError as exc:
            raise Conflict(_("This child's day is already marked."), code="day_marked") from exc
        group_event_append(
            "attendance.day_marked",
            subject_type="group",
            subject_id=group.pk,
            group=group,
            day=day,
            present=int(present),
            absent=int(not present),
            by=by_staff.pk,
        )
    return mark


# --- the month's close (E13–E15) -----------------------------------------------------------------------


def _counts(timesheet: TimesheetMonth) -> dict[str, int]:
    states = list(ChildMonth.objects.filter(timesheet=timesheet).values_list("state", flat=True))
    return {state: states.count(state) for state in ("approved", "disputed", "resolved", "unconfirmed")}


def _sheet_facts(timesheet: TimesheetMonth) -> dict[str, object]:
    rows = selectors.sheet_rows(group_id=timesheet.group_id, month=timesheet.month)
    return {
        "timesheet": timesheet.pk,
        "month": timesheet.month,
        "sheet_sha256": selectors.sha256_of(
            selectors.sheet_of(rows, group_id=timesheet.group_id, month=timesheet.month)
        ),
        "children": len({row[0] for row in rows}),
        "marks": len(rows),
        "present": sum(1 for row in rows if row[2]),
    }


def _child_months_create(timesheet: TimesheetMonth) -> None:
    ids = set(
        selectors.month_marks(group_id=timesheet.group_id, month=timesheet.month).values_list(
            "enrollment_id", flat=True
        )
    )
    ChildMonth.objects.bulk_create(
        [ChildMonth(timesheet=timesheet, enrollment_id=pk) for pk in sorted(ids)], ignore_conflicts=True
    )


def month_submit(*, group: Group, month: dt.date, by_staff: User) -> TimesheetMonth:
    """E13: the head submits the group's month once its working days have passed and every child has a
    mark for each of them; the sheet is frozen and its sha256 goes to the ledger (E15). Parents answer
    from day 1 of the next month (E14)."""
    month = selectors.month_start(month)
    today = clock.today()
    _head_of(by_staff, group.organisation_id)
    days = selectors.working_days(group=group, month=month)
    if not days or days[-1] > today:
        raise ValidationFailed(_("The month is not over yet."), code="month_not_over")
    with transaction.atomic():
        group = group_lock(group.pk)
        if (
            selectors.month_effective_state(group=group, month=month, today=today)
            != TimesheetMonth.State.OPEN
        ):
            raise Conflict(_("The month is already submitted or locked."), code="month_closed")
        missing = selectors.missing_marks(group=group, month=month)
        if missing:
            raise Conflict(
                _("%(count)s days of children are not marked yet.") % {"count": missing}, code="marks_missing"
            )
        timesheet = _month_row(group, month)
        facts = _sheet_facts(timesheet)
        timesheet.state = TimesheetMonth.State.SUBMITTED
        timesheet.submitted_at, timesheet.submitted_by = clock.now(), by_staff
        timesheet.sheet_sha256 = str(facts["sheet_sha256"])
        timesheet.save(update_fields=["state", "submitted_at", "submitted_by", "sheet_sha256"])
        _child_months_create(timesheet)
        group_event_append(
            "timesheet.submitted",
            subject_type="timesheet",
            subject_id=timesheet.pk,
            group=group,
            **facts,
            by=by_staff.pk,
        )
    return timesheet


def _answerable(child_month: ChildMonth, applicant: Applicant, today: dt.date) -> ChildMonth:
    own = selectors.child_month_of(applicant=applicant, pk=child_month.pk)
    if own is None:
        raise NotFound(_("Month not found."))
    first, last = selectors.approval_window(own.timesheet.month)
    if today < first:
        raise Conflict(_("The month can be approved from the 1st of the next month."), code="window_not_open")
    if today > last:
        raise Conflict(_("The time to answer (days 1 to 7) is over."), code="window_closed")
    if selectors.effective_state(own.timesheet, today=today) != TimesheetMonth.State.SUBMITTED:
        raise Conflict(_("The kindergarten has not submitted the month yet."), code="not_submitted")
    return own


def _answer_event(kind: str, child_month: ChildMonth, **payload: object) -> None:
    timesheet = TimesheetMonth.objects.select_related("group__organisation__locality").get(
        pk=child_month.timesheet_id
    )
    group_event_append(
        kind,
        subject_type="child_month",
        subject_id=child_month.pk,
        group=timesheet.group,
        timesheet=timesheet.pk,
        month=timesheet.month,
        sheet_sha256=timesheet.sheet_sha256,
        enrollment=child_month.enrollment_id,
        **payload,
    )


def child_month_approve(
    *, child_month: ChildMonth, applicant: Applicant, user: User | None = None
) -> ChildMonth:
    """E14: the parent agrees with their child's month (days 1–7 of the next month)."""
    today = clock.today()
    own = _answerable(child_month, applicant, today)
    with transaction.atomic():
        group_lock(own.timesheet.group_id)
        row = locks.child_month_lock(own.pk)
        if row.state != ChildMonth.State.PENDING:
            raise Conflict(_("You have already answered about this month."), code="answered")
        row.state, row.answered_at = ChildMonth.State.APPROVED, clock.now()
        row.applicant, row.answered_by = applicant, user
        row.answer_sha256 = row.timesheet.sheet_sha256
        row.save(update_fields=["state", "answered_at", "applicant", "answered_by", "answer_sha256"])
        _answer_event("child_month.approved", row, by="applicant")
    return row


def child_month_dispute(
    *, child_month: ChildMonth, applicant: Applicant, days: Mapping[dt.date, str], user: User | None = None
) -> ChildMonth:
    """E14: the parent disputes days of their child's month, each with a comment; the department
    resolves them (E16)."""
    today = clock.today()
    own = _answerable(child_month, applicant, today)
    if not days:
        raise ValidationFailed(_("Choose the days you disagree with."), code="days_required")
    marked = {m.day for m in selectors.child_month_marks(own)}
    cleaned: dict[dt.date, str] = {}
    for day, comment in days.items():
        if day not in marked:
            raise ValidationFailed(_("A chosen day is not in your child's sheet."), code="day_not_in_sheet")
        comment = (comment or "").strip()
        if not COMMENT_MIN <= len(comment) <= TEXT_MAX:
            raise ValidationFailed(_("Write a comment for each disputed day."), code="comment_required")
        cleaned[day] = comment
    with transaction.atomic():
        group_lock(own.timesheet.group_id)
        row = locks.child_month_lock(own.pk)
        if row.state != ChildMonth.State.PENDING:
            raise Conflict(_("You have already answered about this month."), code="answered")
        now = clock.now()
        row.state, row.answered_at = ChildMonth.State.DISPUTED, now
        row.applicant, row.answered_by = applicant, user
        row.answer_sha256 = row.timesheet.sheet_sha256
        row.save(update_fields=["state", "answered_at", "applicant", "answered_by", "answer_sha256"])
        Dispute.objects.bulk_create(
            [
                Dispute(child_month=row, day=day, comment=text, created_at=now)
                for day, text in sorted(cleaned.items())
            ]
        )
        _answer_event("child_month.disputed", row, days=len(cleaned), by="applicant")
    return row


def dispute_resolve(
    *,
    dispute: Dispute,
    by_staff: User,
    keep: bool,
    present: bool | None = None,
    reason: str = "",
    note: str,
) -> Dispute:
    """E16: the department resolves a disputed day: the mark stands, or a correction (a new record that
    references the mark) shows in the group's next open month. The submitted sheet is never edited."""
    note = (note or "").strip()
    if not COMMENT_MIN <= len(note) <= TEXT_MAX:
        raise ValidationFailed(_("Write the reason of the decision."), code="note_required")
    if not keep:
        if present is None:
            raise ValidationFailed(_("Choose the corrected mark."), code="mark_required")
        reason = _reason_checked(present, reason)
    with transaction.atomic():
        dispute = locks.dispute_lock(dispute.pk)
        timesheet = TimesheetMonth.objects.select_related("group__organisation__locality").get(
            pk=dispute.child_month.timesheet_id
        )
        group = timesheet.group
        _department_of(by_staff, group)
        if dispute.resolved_at is not None:
            raise Conflict(_("This day is already resolved."), code="resolved")
        correction = None
        if not keep:
            mark = Mark.objects.get(enrollment_id=dispute.child_month.enrollment_id, day=dispute.day)
            if (mark.present, mark.reason) == (present, reason):
                raise ValidationFailed(_("The corrected mark is the same as the mark."), code="same_mark")
            correction = _correction_create(
                mark, present=bool(present), reason=reason, note=note, by_staff=by_staff
            )
        now = clock.now()
        dispute.resolution = Dispute.Resolution.MARK_KEPT if keep else Dispute.Resolution.MARK_CORRECTED
        dispute.resolution_note, dispute.resolved_by, dispute.resolved_at = note, by_staff, now
        dispute.save(update_fields=["resolution", "resolution_note", "resolved_by", "resolved_at"])
        child_month = locks.child_month_lock(dispute.child_month_id)
        if not child_month.disputes.filter(resolved_at__isnull=True).exists():
            child_month.state = ChildMonth.State.RESOLVED
            child_month.save(update_fields=["state"])
        group_event_append(
            "dispute.resolved",
            subject_type="dispute",
            subject_id=dispute.pk,
            group=group,
            timesheet=timesheet.pk,
            month=timesheet.month,
            sheet_sha256=timesheet.sheet_sha256,
            resolution=dispute.resolution,
            correction=correction.pk if correction else None,
            child_month_state=child_month.state,
            by=by_staff.pk,
        )
    return dispute


def _department_of(user: User, group: Group) -> None:
    profile = _profile(user)
    if profile.role == Role.ADMINISTRATOR:
        return
    if profile.role not in DEPARTMENT or profile.locality_id != group.organisation.locality_id:
        raise NotFound(_("Not found."))


def _correction_create(mark: Mark, *, present: bool, reason: str, note: str, by_staff: User) -> Correction:
    shown_in = selectors.correction_month(group_id=mark.group_id, after=mark.day, today=clock.today())
    correction = Correction.objects.create(
        mark=mark,
        present=present,
        reason=reason,
        shown_in=shown_in,
        made_by=by_staff,
        made_at=clock.now(),
        note=note,
    )
    return correction


def correction_make(*, mark: Mark, present: bool, reason: str = "", note: str, by_staff: User) -> Correction:
    """E16: after the lock nothing is edited: the head records a correction that references the mark and
    shows in the group's next open month. A month not locked yet is refused (edit the mark while it is
    open; a submitted month waits for the parents and the lock)."""
    today = clock.today()
    reason = _reason_checked(present, reason)
    note = (note or "").strip()
    if not COMMENT_MIN <= len(note) <= TEXT_MAX:
        raise ValidationFailed(_("Write the reason of the correction."), code="note_required")
    group = Group.objects.select_related("organisation__locality").get(pk=mark.group_id)
    _head_of(by_staff, group.organisation_id)
    with transaction.atomic():
        group = group_lock(group.pk)
        if (
            selectors.month_effective_state(group=group, month=mark.day, today=today)
            != TimesheetMonth.State.LOCKED
        ):
            raise Conflict(_("Only a mark of a locked month is corrected this way."), code="month_not_locked")
        mark = Mark.objects.get(pk=mark.pk)
        latest = mark.corrections.order_by("-made_at", "-pk").first()
        current = (latest.present, latest.reason) if latest else (mark.present, mark.reason)
        if current == (present, reason):
            raise ValidationFailed(_("The corrected mark is the same as the mark."), code="same_mark")
        correction = _correction_create(mark, present=present, reason=reason, note=note, by_staff=by_staff)
        group_event_append(
            "attendance.corrected",
            subject_type="correction",
            subject_id=correction.pk,
            group=group,
            mark=mark.pk,
            day=mark.day,
            shown_in=correction.shown_in,
            by=by_staff.pk,
        )
    return correction


def _month_lock(timesheet_id: int, now: dt.datetime) -> bool:
    """Lock one month (E13) if it is due and not locked yet; False when another sweep was first."""
    with transaction.atomic():
        probe = TimesheetMonth.objects.get(pk=timesheet_id)
        group = group_lock(probe.group_id)
        timesheet = locks.timesheet_lock(timesheet_id)
        if timesheet.state == TimesheetMonth.State.LOCKED:
            return False
        facts = _sheet_facts(timesheet)
        submitted = timesheet.state == TimesheetMonth.State.SUBMITTED
        if not submitted:  # never submitted by the head: the sheet is frozen as it is, by the system
            timesheet.submitted_at = now
            timesheet.sheet_sha256 = str(facts["sheet_sha256"])
            _child_months_create(timesheet)
        timesheet.state, timesheet.locked_at = TimesheetMonth.State.LOCKED, now
        timesheet.save(update_fields=["state", "locked_at", "submitted_at", "sheet_sha256"])
        unconfirmed = ChildMonth.objects.filter(timesheet=timesheet, state=ChildMonth.State.PENDING).update(
            state=ChildMonth.State.UNCONFIRMED
        )
        group_event_append(
            "timesheet.locked",
            subject_type="timesheet",
            subject_id=timesheet.pk,
            group=group,
            **facts,
            **_counts(timesheet),
            newly_unconfirmed=unconfirmed,
            submitted=submitted,
            by="system",
        )
    return True


def months_lock_due(*, limit: int = 500) -> int:
    """The tick's sweep (E13): lock every month whose day 8 has come; unanswered children's months become
    "not confirmed by the parent". Idempotent, safe concurrently (the group's and the month's locks)."""
    today = clock.today()
    # Day 8 of the month after M has come ⇔ M ≤ the first of (today's month − 1), when today ≥ the 8th.
    last_due = selectors.month_start(today.replace(day=1) - dt.timedelta(days=1))
    if today.day <= selectors.APPROVAL_LAST_DAY:
        last_due = selectors.month_start(last_due - dt.timedelta(days=1))
    due = list(
        TimesheetMonth.objects.filter(month__lte=last_due)
        .exclude(state=TimesheetMonth.State.LOCKED)
        .order_by("month", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    now = clock.now()
    return sum(1 for pk in due if _month_lock(pk, now))


# --- closures (E12) -----------------------------------------------------------------------------------


def closure_add(
    *,
    organisation: Organisation,
    first_day: dt.date,
    last_day: dt.date,
    kind: str,
    by_staff: User,
    group: Group | None = None,
) -> Closure:
    """E12: the head records days the kindergarten (or one group) was closed or in quarantine."""
    _head_of(by_staff, organisation.pk)
    if kind not in (Closure.Kind.CLOSED, Closure.Kind.QUARANTINE):
        raise ValidationFailed(_("Choose closed or quarantine."), code="kind_invalid")
    if last_day < first_day:
        raise ValidationFailed(_("The last day is before the first."), code="date_invalid")
    if group is not None and group.organisation_id != organisation.pk:
        raise NotFound(_("Group not found."))
    with transaction.atomic():
        return _closure_create(organisation, group, first_day, last_day, kind, by_staff)


def closure_quarantine_add(*, group: Group, first_day: dt.date, last_day: dt.date, by_staff: User) -> Closure:
    """E12, E54: the quarantine days of one group, set by infection control (`kezek.infection`) inside its
    own transaction; the caller (the nurse's case, E51) has checked the role and the dates."""
    organisation = Organisation.objects.select_related("locality").get(pk=group.organisation_id)
    return _closure_create(organisation, group, first_day, last_day, Closure.Kind.QUARANTINE, by_staff)


def _closure_create(
    organisation: Organisation,
    group: Group | None,
    first_day: dt.date,
    last_day: dt.date,
    kind: str,
    by_staff: User,
) -> Closure:
    closure = Closure.objects.create(
        organisation=organisation,
        group=group,
        first_day=first_day,
        last_day=last_day,
        kind=kind,
        created_at=clock.now(),
        created_by=by_staff,
    )
    ledger_append(
        kind="closure.added",
        subject_type="closure",
        subject_id=str(closure.pk),
        locality_code=organisation.locality.code,
        payload={
            "organisation": organisation.pk,
            "group": group.pk if group else None,
            "first_day": first_day,
            "last_day": last_day,
            "kind": kind,
            "by": by_staff.pk,
        },
    )
    return closure


ABSENCE_CHOICES = AbsenceReason.choices
