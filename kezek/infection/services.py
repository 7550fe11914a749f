"""Writes of infection control (E50–E59). A case is one transaction: the case and its contacts (derived
from the timesheet, E52), each exposed group's quarantine set or extended (E53) with its quarantine days in
the timesheet (E54), the parents of the contacts told (E55), and the ledger events (E58)."""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from kezek.attendance.services import closure_quarantine_add
from kezek.core import clock
from kezek.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kezek.facilities.locks import groups_lock
from kezek.facilities.models import Group, Organisation
from kezek.ledger.services import ledger_append
from kezek.notifications.services import notification_enqueue
from kezek.placement.models import Enrollment
from kezek.records.models import ChildFile, SensitiveRead
from kezek.records.services import sensitive_read_log
from kezek.staff.models import ORGANISATION_ROLES, Role, StaffProfile
from kezek.staff.selectors import staff_profile
from kezek.waitlist.models import Application
from kezek.waitlist.services import contact_address

from . import locks, selectors
from .models import Case, CaseRead, Contact, Infection, Quarantine

# E56: who records and reads cases — the kindergarten's nurse and head.
HEALTH_ROLES = (Role.NURSE, Role.KINDERGARTEN_HEAD)


def _health_profile(user: User) -> tuple[StaffProfile, int]:
    """The nurse's or the head's profile and their kindergarten (E56); anyone else: 403."""
    profile = staff_profile(user)
    if profile is None or profile.role not in HEALTH_ROLES or profile.organisation_id is None:
        raise PermissionDenied(_("Only the kindergarten's nurse or head may do this."), code="role")
    return profile, profile.organisation_id


def person_digest(case: Case) -> str:
    """E58: a keyed digest of who fell ill and when: the ledger proves the case without holding it."""
    who = f"{case.subject}:{case.child_id or case.staff_id}:{case.onset_on}:{case.isolated_on}"
    return salted_hmac("kezek.infection.case", who, algorithm="sha256").hexdigest()


def _event(
    kind: str, subject_type: str, subject_id: int, organisation: Organisation, /, **payload: object
) -> None:
    ledger_append(
        kind=kind,
        subject_type=subject_type,
        subject_id=str(subject_id),
        locality_code=organisation.locality.code,
        payload={"organisation": organisation.pk, **payload},
    )


def _dates_checked(onset_on: dt.date, isolated_on: dt.date) -> None:
    if isolated_on < onset_on:
        raise ValidationFailed(
            _("The isolation cannot be before the onset of the illness."), code="isolation_before_onset"
        )
    if isolated_on > clock.today():
        raise ValidationFailed(_("The isolation date cannot be in the future."), code="isolation_future")


def _infection(code: str) -> Infection:
    infection = selectors.infections().filter(code=code).first()
    if infection is None:
        raise ValidationFailed(_("Choose an infection from the list."), code="infection_unknown")
    return infection


def _enrollment_checked(enrollment: Enrollment, organisation_id: int, onset_on: dt.date) -> Enrollment:
    """E51: a child of this kindergarten, enrolled on the day of the onset."""
    enrollment = Enrollment.objects.select_related("group").get(pk=enrollment.pk)
    if enrollment.group.organisation_id != organisation_id:
        raise NotFound(_("Not found."))
    if enrollment.enrolled_on > onset_on or (
        enrollment.left_on is not None and enrollment.left_on < onset_on
    ):
        raise ValidationFailed(
            _("The child was not enrolled in the kindergarten on the day of the onset."), code="not_enrolled"
        )
    return enrollment


def _staff_checked(staff: StaffProfile, organisation_id: int) -> StaffProfile:
    if staff.organisation_id != organisation_id or staff.role not in ORGANISATION_ROLES:
        raise NotFound(_("Not found."))
    return staff


def case_record(
    *,
    by_staff: User,
    infection_code: str,
    onset_on: dt.date,
    isolated_on: dt.date,
    enrollment: Enrollment | None = None,
    staff: StaffProfile | None = None,
) -> Case:
    """E51–E55: the nurse (or the head) records a case of a child or of a staff member. Bad input — an
    unknown infection, isolation before the onset or in the future, a child not enrolled on the onset,
    another kindergarten's person — is refused and nothing is written."""
    _profile, organisation_id = _health_profile(by_staff)
    infection = _infection(infection_code)
    _dates_checked(onset_on, isolated_on)
    first, last = selectors.contagious_window(infection, onset_on=onset_on, isolated_on=isolated_on)
    if enrollment is not None and staff is None:
        enrollment = _enrollment_checked(enrollment, organisation_id, onset_on)
        exposure = selectors.child_exposure(child_id=enrollment.child_id, first=first, last=last)
        children = selectors.child_contacts(exposure, except_child=enrollment.child_id)
        adults = selectors.staff_contacts(exposure)
    elif staff is not None and enrollment is None:
        staff = _staff_checked(staff, organisation_id)
        exposure = selectors.staff_exposure(profile_id=staff.pk, first=first, last=last)
        children = selectors.child_contacts(exposure)
        adults = selectors.staff_contacts(exposure, except_profile=staff.pk)
    else:
        raise ValidationFailed(
            _("Choose the child or the staff member who fell ill."), code="subject_required"
        )
    with transaction.atomic():
        groups = groups_lock(exposure)
        case = Case.objects.create(
            organisation_id=organisation_id,
            infection=infection,
            subject=Case.Subject.CHILD if enrollment is not None else Case.Subject.STAFF,
            enrollment=enrollment,
            child_id=enrollment.child_id if enrollment is not None else None,
            staff=staff,
            onset_on=onset_on,
            isolated_on=isolated_on,
            window_first=first,
            window_last=last,
            recorded_at=clock.now(),
            recorded_by=by_staff,
        )
        Contact.objects.bulk_create(
            [
                Contact(
                    case=case,
                    group_id=c.group_id,
                    enrollment_id=c.enrollment_id,
                    child_id=c.child_id,
                    first_day=c.first_day,
                    last_day=c.last_day,
                )
                for c in children
            ]
            + [
                Contact(
                    case=case,
                    group_id=c.group_id,
                    staff_id=c.profile_id,
                    first_day=c.first_day,
                    last_day=c.last_day,
                )
                for c in adults
            ]
        )
        quarantines = [_quarantine_set(case, group, by_staff) for group in groups.values()]
        _event(
            "infection.case_recorded",
            "infection_case",
            case.pk,
            Organisation.objects.select_related("locality").get(pk=organisation_id),
            case=case.pk,
            infection=infection.code,
            figures=[infection.incubation_days, infection.quarantine_days, infection.counting],
            subject=case.subject,
            person=person_digest(case),
            children=len(children),
            staff=len(adults),
            quarantines=[q.pk for q in quarantines],
            by=by_staff.pk,
        )
        for quarantine in quarantines:
            _parents_tell(quarantine)
    return case


def _quarantine_set(case: Case, group: Group, by_staff: User) -> Quarantine:
    """E53: the group's quarantine for the case's infection — a running one (its last day not before this
    isolation) is extended to this case's last day when that is later; otherwise a new one starts on the
    isolation day (an open one already over is ended first). Each adds its days to the timesheet (E54)."""
    infection = case.infection
    last_day = selectors.quarantine_last_day(infection, isolated_on=case.isolated_on)
    running = Quarantine.objects.filter(group=group, infection=infection, ended_at__isnull=True).first()
    if running is not None:
        running = locks.quarantine_lock(running.pk)
        if running.last_day < case.isolated_on:
            _end(running)
            running = None
    if running is None:
        quarantine = Quarantine.objects.create(
            group=group,
            organisation_id=group.organisation_id,
            infection=infection,
            first_day=case.isolated_on,
            last_day=last_day,
            created_at=clock.now(),
        )
        closure = closure_quarantine_add(
            group=group, first_day=quarantine.first_day, last_day=last_day, by_staff=by_staff
        )
        _event(
            "quarantine.set",
            "quarantine",
            quarantine.pk,
            group.organisation,
            quarantine=quarantine.pk,
            group=group.pk,
            infection=infection.code,
            first_day=quarantine.first_day,
            last_day=last_day,
            closure=closure.pk,
            case=case.pk,
            by=by_staff.pk,
        )
    else:
        quarantine = running
        if last_day > quarantine.last_day:
            previous = quarantine.last_day
            closure = closure_quarantine_add(
                group=group, first_day=previous + dt.timedelta(days=1), last_day=last_day, by_staff=by_staff
            )
            quarantine.last_day = last_day
            quarantine.save(update_fields=["last_day"])
            _event(
                "quarantine.extended",
                "quarantine",
                quarantine.pk,
                group.organisation,
                quarantine=quarantine.pk,
                group=group.pk,
                last_day=last_day,
                previous_last_day=previous,
                closure=closure.pk,
                case=case.pk,
                by=by_staff.pk,
            )
    quarantine.cases.add(case)
    return quarantine


def _end(quarantine: Quarantine) -> None:
    quarantine.ended_at = clock.now()
    quarantine.save(update_fields=["ended_at"])
    _event(
        "quarantine.ended",
        "quarantine",
        quarantine.pk,
        quarantine.group.organisation,
        quarantine=quarantine.pk,
        group=quarantine.group_id,
        last_day=quarantine.last_day,
        by="system",
    )


def quarantines_end_due(*, limit: int = 500) -> int:
    """The tick's sweep (E53): a quarantine whose last day has passed is ended (`quarantine.ended`).
    Idempotent and safe concurrently (the group's and the quarantine's locks)."""
    today = clock.today()
    due = list(
        Quarantine.objects.filter(ended_at__isnull=True, last_day__lt=today)
        .order_by("last_day", "pk")
        .values_list("pk", "group_id")[:limit]
    )
    ended = 0
    for pk, group_id in due:
        with transaction.atomic():
            groups_lock([group_id])
            quarantine = locks.quarantine_lock(pk)
            if quarantine.ended_at is None:
                _end(quarantine)
                ended += 1
    return ended


def _parents_tell(quarantine: Quarantine) -> None:
    """E55: the parents of every child contact of the quarantine's cases in its group are told, in their
    language, what to watch for and until when — the group, the infection and the last day only, never who
    fell ill. Once per parent and last day (an extension tells them the new date)."""
    children = set(
        Contact.objects.filter(
            case__in=quarantine.cases.all(), group=quarantine.group, child__isnull=False
        ).values_list("child_id", flat=True)
    )
    applicants = {
        application.applicant_id: application.applicant
        for application in Application.objects.filter(child_id__in=children).select_related("applicant")
    }
    group = quarantine.group
    infection = quarantine.infection
    for pk, applicant in sorted(applicants.items()):
        language = applicant.notify_language
        channel, recipient = contact_address(
            channel=applicant.notify_channel, email=applicant.email, phone=applicant.phone
        )
        with translation.override(language):
            names = {"organisation": group.organisation.name, "infection": infection.name}
            watch = infection.watch_for
        notification_enqueue(
            channel=channel,
            recipient=recipient,
            language=language,
            template="quarantine_contact",
            context={**names, "group": group.name, "watch": watch, "until": quarantine.last_day},
            idempotency_key=f"quarantine:{quarantine.pk}:{quarantine.last_day}:{pk}",
        )


def enrolment_into_quarantine_refused(*, group_id: int, days: tuple[dt.date, ...]) -> None:
    """E55: a group in quarantine on any of `days` takes no new child, by enrolment or transfer."""
    for day in days:
        quarantine = selectors.quarantine_on(group_id=group_id, day=day)
        if quarantine is not None:
            raise Conflict(
                _("The group is in quarantine until %(date)s: no child can be enrolled or moved into it.")
                % {"date": f"{quarantine.last_day:%d.%m.%Y}"},
                code="quarantine",
            )


def on_enrollment_created(*, enrollment: Enrollment, **__: object) -> None:
    enrolment_into_quarantine_refused(
        group_id=enrollment.group_id, days=(enrollment.enrolled_on, clock.today())
    )


def on_enrollment_transferred(*, enrollment: Enrollment, on: dt.date, **__: object) -> None:
    enrolment_into_quarantine_refused(group_id=enrollment.group_id, days=(on,))


def case_read_log(*, user: User, what: str, case: Case | None = None) -> None:
    """E56: one read of infection data by the nurse or the head — who, when, what; a child's case is also
    a read of the child's file's health data (`records.SensitiveRead`, shown to the head on the file)."""
    profile, organisation_id = _health_profile(user)
    CaseRead.objects.create(
        organisation_id=organisation_id,
        case=case,
        user=user,
        role=profile.role,
        what=what,
        read_at=clock.now(),
    )
    if case is not None and case.enrollment_id is not None:
        file = ChildFile.objects.filter(enrollment_id=case.enrollment_id).first()
        if file is not None:
            sensitive_read_log(file=file, user_id=user.pk, role=profile.role, what=SensitiveRead.What.HEALTH)
