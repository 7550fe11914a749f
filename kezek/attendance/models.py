"""The attendance timesheet (табель, rules E10–E19): the teacher's daily marks, the month the head submits
and the parents approve, the lock on day 8, corrections after the lock, closures and quarantines."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kezek.facilities.models import Group, Organisation
from kezek.placement.models import Enrollment
from kezek.staff.models import StaffProfile
from kezek.waitlist.models import Child


class AbsenceReason(models.TextChoices):
    """Why a child was absent (E11). Whether a reason is paid is the funding rules' business."""

    ILLNESS_CERTIFIED = "illness_certified", _("illness, with a medical certificate")
    ILLNESS = "illness", _("illness, without a certificate")
    LEAVE = "leave", _("leave at the parent's written request")
    QUARANTINE = "quarantine", _("quarantine")
    UNEXCUSED = "unexcused", _("unexcused")
    CLOSED = "closed", _("kindergarten closed")


REASON_VALUES = [value for value, _label in AbsenceReason.choices]
_PRESENT_XOR_REASON = Q(present=True, reason="") | (Q(present=False) & Q(reason__in=REASON_VALUES))


class TeacherAssignment(models.Model):
    """A teacher keeps the timesheet of a group from `since` to `until` (inclusive; open when null, E10)."""

    profile = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, related_name="assignments")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="teacher_assignments")
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("teacher of a group")
        verbose_name_plural = _("teachers of groups")
        indexes = [models.Index(fields=["profile", "group"], name="assignment_profile_group_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")), name="assignment_dates"
            ),
            models.UniqueConstraint(
                fields=["profile", "group"], condition=Q(until__isnull=True), name="assignment_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile_id} → {self.group_id}"


class Mark(models.Model):
    """One child's day in the timesheet (E11): present, or absent with a reason. One per enrolment and day."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="marks")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="attendance_marks")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="attendance_marks")
    day = models.DateField(_("day"))
    present = models.BooleanField(_("present"))
    reason = models.CharField(
        _("reason of absence"), max_length=20, choices=AbsenceReason.choices, blank=True
    )
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("attendance mark")
        verbose_name_plural = _("attendance marks")
        indexes = [
            models.Index(fields=["group", "day"], name="mark_group_day_idx"),
            models.Index(fields=["child", "day"], name="mark_child_day_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "day"], name="mark_one_per_day"),
            models.CheckConstraint(condition=_PRESENT_XOR_REASON, name="mark_present_xor_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id} {self.day}: {'+' if self.present else self.reason}"


class TimesheetMonth(models.Model):
    """A group's month (E13): open while the teacher marks; submitted by the head; locked on day 8."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        SUBMITTED = "submitted", _("submitted")
        LOCKED = "locked", _("locked")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="timesheet_months")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    state = models.CharField(
        pgettext_lazy("of a timesheet", "state"), max_length=10, choices=State.choices, default=State.OPEN
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    sheet_sha256 = models.CharField(_("sha256 of the sheet"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("timesheet month")
        verbose_name_plural = _("timesheet months")
        indexes = [models.Index(fields=["state", "month"], name="timesheet_state_month_idx")]
        constraints = [
            models.UniqueConstraint(fields=["group", "month"], name="timesheet_one_per_group_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="timesheet_month_first_day"),
            models.CheckConstraint(
                condition=Q(state__in=["open", "submitted", "locked"]), name="timesheet_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="open", submitted_at__isnull=True, sheet_sha256="")
                | (
                    Q(state__in=["submitted", "locked"], submitted_at__isnull=False)
                    & Q(sheet_sha256__regex=r"^[0-9a-f]{64}$")
                ),
                name="timesheet_submitted_with_hash",
            ),
            models.CheckConstraint(
                condition=Q(state="locked", locked_at__isnull=False)
                | (~Q(state="locked") & Q(locked_at=None)),
                name="timesheet_locked_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.month:%Y-%m} ({self.state})"


class ChildMonth(models.Model):
    """The parent's answer about one child's month (E14): agree, or dispute days."""

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting the parent")
        APPROVED = "approved", _("approved by the parent")
        DISPUTED = "disputed", _("disputed by the parent")
        RESOLVED = "resolved", _("dispute resolved")
        UNCONFIRMED = "unconfirmed", _("not confirmed by the parent")

    timesheet = models.ForeignKey(TimesheetMonth, on_delete=models.PROTECT, related_name="child_months")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="child_months")
    state = models.CharField(
        pgettext_lazy("of a child's month", "state"),
        max_length=12,
        choices=State.choices,
        default=State.PENDING,
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer_sha256 = models.CharField(_("sha256 of the sheet the parent saw"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("child's month")
        verbose_name_plural = _("children's months")
        constraints = [
            models.UniqueConstraint(fields=["timesheet", "enrollment"], name="child_month_unique"),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "approved", "disputed", "resolved", "unconfirmed"]),
                name="child_month_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "unconfirmed"])
                | Q(answered_at__isnull=False, answered_by__isnull=False),
                name="child_month_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.timesheet_id}/{self.enrollment_id} ({self.state})"


class Dispute(models.Model):
    """A day the parent disputes (E14), with their comment; the department resolves it."""

    class Resolution(models.TextChoices):
        MARK_KEPT = "kept", _("the mark stands")
        MARK_CORRECTED = "corrected", _("the mark is corrected")

    child_month = models.ForeignKey(ChildMonth, on_delete=models.PROTECT, related_name="disputes")
    day = models.DateField(_("day"))
    comment = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"))
    resolution = models.CharField(_("resolution"), max_length=10, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(_("note of the resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("disputed day")
        verbose_name_plural = _("disputed days")
        constraints = [
            models.UniqueConstraint(fields=["child_month", "day"], name="dispute_one_per_day"),
            models.CheckConstraint(condition=~Q(comment=""), name="dispute_comment_required"),
            models.CheckConstraint(
                condition=Q(resolution="", resolved_at__isnull=True, resolved_by__isnull=True)
                | (
                    Q(
                        resolution__in=["kept", "corrected"],
                        resolved_at__isnull=False,
                        resolved_by__isnull=False,
                    )
                ),
                name="dispute_resolved_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child_month_id} {self.day}"


class Correction(models.Model):
    """A change to a mark of a locked month (E16): a new record referencing the old mark, never an edit.
    It shows in `shown_in`, the next month still open for the group at the time it is made."""

    mark = models.ForeignKey(Mark, on_delete=models.PROTECT, related_name="corrections")
    present = models.BooleanField(_("present"))
    reason = models.CharField(
        _("reason of absence"), max_length=20, choices=AbsenceReason.choices, blank=True
    )
    shown_in = models.DateField(_("shown in month"))
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(_("made at"))
    note = models.TextField(_("note"))

    class Meta:
        verbose_name = _("correction of a mark")
        verbose_name_plural = _("corrections of marks")
        indexes = [models.Index(fields=["shown_in"], name="correction_shown_in_idx")]
        constraints = [
            models.CheckConstraint(condition=_PRESENT_XOR_REASON, name="correction_present_xor_reason"),
            models.CheckConstraint(condition=Q(shown_in__day=1), name="correction_shown_first_day"),
            models.CheckConstraint(condition=~Q(note=""), name="correction_note_required"),
        ]

    def __str__(self) -> str:
        return f"correction of {self.mark_id}"


class Closure(models.Model):
    """Days a kindergarten (or one group, when `group` is set) was closed or in quarantine (E12)."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("closed")
        QUARANTINE = "quarantine", _("quarantine")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="closures")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, null=True, blank=True, related_name="closures")
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("closure or quarantine")
        verbose_name_plural = _("closures and quarantines")
        indexes = [models.Index(fields=["organisation", "first_day"], name="closure_org_day_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="closure_dates"),
            models.CheckConstraint(condition=Q(kind__in=["closed", "quarantine"]), name="closure_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.first_day}–{self.last_day} ({self.kind})"


class DutyDay(models.Model):
    """A day off in the calendar on which a group works as the kindergarten's duty group (E12): it is a
    working day for that group only. The organisation's free-text `duty_group` stays its public passport."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="duty_days")
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("duty day")
        verbose_name_plural = _("duty days")
        constraints = [models.UniqueConstraint(fields=["group", "day"], name="duty_day_unique")]

    def __str__(self) -> str:
        return f"{self.group_id} {self.day}"
