"""Reads of infection control (E50–E59): the contagious window, the contacts derived from the attendance
timesheet, the quarantine in force on a day, the nurse's lists and the department's counts."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kezek.attendance.models import Correction, Mark, TeacherAssignment
from kezek.core.workdays import add_working_days
from kezek.staff.models import StaffProfile
from kezek.staff.selectors import Scope
from kezek.waitlist.models import Child

from .models import Case, Contact, Infection, Quarantine

Exposure = dict[int, set[dt.date]]  # group id → the days the case was there


def contagious_window(
    infection: Infection, *, onset_on: dt.date, isolated_on: dt.date
) -> tuple[dt.date, dt.date]:
    """E52: from the longest incubation before the onset to the isolation, both included."""
    return onset_on - dt.timedelta(days=infection.incubation_days), isolated_on


def quarantine_last_day(infection: Infection, *, isolated_on: dt.date) -> dt.date:
    """E53: the last day of quarantine after a case isolated on `isolated_on`: the N-th calendar day after
    it, or the N-th working day of the KZ calendar after it (P8), as the infection counts."""
    if infection.counting == Infection.Counting.WORKING:
        return add_working_days(isolated_on, infection.quarantine_days)
    return isolated_on + dt.timedelta(days=infection.quarantine_days)


def _present_marks(marks: QuerySet[Mark]) -> list[tuple[int, int, int, dt.date]]:
    """(child, enrolment, group, day) of the marks that say present — after their latest correction (E16)."""
    rows = list(marks.values_list("pk", "child_id", "enrollment_id", "group_id", "day", "present"))
    corrected: dict[int, bool] = {}
    for mark_id, present in (
        Correction.objects.filter(mark_id__in=[row[0] for row in rows])
        .order_by("made_at", "pk")
        .values_list("mark_id", "present")
    ):
        corrected[mark_id] = present
    return [(c, e, g, d) for pk, c, e, g, d, present in rows if corrected.get(pk, present)]


def child_exposure(*, child_id: int, first: dt.date, last: dt.date) -> Exposure:
    """E52: the groups and days a child was present in the window — each mark's own group (a duty group,
    a group before or after a transfer)."""
    exposure: Exposure = defaultdict(set)
    marks = Mark.objects.filter(child_id=child_id, day__gte=first, day__lte=last)
    for _child, _enrollment, group, day in _present_marks(marks):
        exposure[group].add(day)
    return dict(exposure)


def _assignments(group_ids: Iterable[int], first: dt.date, last: dt.date) -> QuerySet[TeacherAssignment]:
    return TeacherAssignment.objects.filter(group_id__in=list(group_ids), since__lte=last).filter(
        Q(until__isnull=True) | Q(until__gte=first)
    )


def staff_exposure(*, profile_id: int, first: dt.date, last: dt.date) -> Exposure:
    """E52: a staff member's groups (their `TeacherAssignment`s) on the window's days the group was kept
    (any child present); a staff member keeping no group exposes none."""
    exposure: Exposure = defaultdict(set)
    for assignment in TeacherAssignment.objects.filter(profile_id=profile_id, since__lte=last).filter(
        Q(until__isnull=True) | Q(until__gte=first)
    ):
        since = max(first, assignment.since)
        until = min(last, assignment.until or last)
        marks = Mark.objects.filter(group_id=assignment.group_id, day__gte=since, day__lte=until)
        for _child, _enrollment, group, day in _present_marks(marks):
            exposure[group].add(day)
    return dict(exposure)


@dataclass(frozen=True)
class ChildContact:
    child_id: int
    enrollment_id: int
    group_id: int
    first_day: dt.date
    last_day: dt.date


@dataclass(frozen=True)
class StaffContact:
    profile_id: int
    group_id: int
    first_day: dt.date
    last_day: dt.date


def child_contacts(exposure: Exposure, *, except_child: int | None = None) -> list[ChildContact]:
    """E52: every other child present in a group on a day of its exposure; a child in two such groups
    (a transfer) is one contact, in the group of their last day."""
    if not exposure:
        return []
    days = [day for group_days in exposure.values() for day in group_days]
    marks = Mark.objects.filter(group_id__in=list(exposure), day__gte=min(days), day__lte=max(days))
    found: dict[int, ChildContact] = {}
    for child, enrollment, group, day in sorted(_present_marks(marks), key=lambda row: row[3]):
        if child == except_child or day not in exposure[group]:
            continue
        before = found.get(child)
        first = before.first_day if before else day
        found[child] = ChildContact(child, enrollment, group, first, day)
    return [found[child] for child in sorted(found)]


def staff_contacts(exposure: Exposure, *, except_profile: int | None = None) -> list[StaffContact]:
    """E52: the teachers assigned to a group of the exposure on one of its days."""
    found: dict[int, StaffContact] = {}
    for group, days in sorted(exposure.items()):
        for assignment in _assignments([group], min(days), max(days)).order_by("pk"):
            if assignment.profile_id == except_profile:
                continue
            inside = sorted(d for d in days if assignment.since <= d <= (assignment.until or d))
            if not inside:
                continue
            before = found.get(assignment.profile_id)
            first = min(inside[0], before.first_day) if before else inside[0]
            last = max(inside[-1], before.last_day) if before else inside[-1]
            found[assignment.profile_id] = StaffContact(assignment.profile_id, group, first, last)
    return [found[pk] for pk in sorted(found)]


def quarantine_on(*, group_id: int, day: dt.date) -> Quarantine | None:
    """E55: the group's quarantine in force on `day` (by the dates: right before the sweep runs)."""
    return (
        Quarantine.objects.filter(group_id=group_id, first_day__lte=day, last_day__gte=day)
        .order_by("-last_day")
        .first()
    )


def infections() -> QuerySet[Infection]:
    return Infection.objects.filter(is_active=True).order_by("code")


# --- the nurse's and the head's reads (E56) ----------------------------------------------------------


def cases_of(scope: Scope) -> QuerySet[Case]:
    rows = Case.objects.select_related("infection", "child", "staff__user", "enrollment__group")
    return scope.filter(rows, locality="organisation__locality", organisation="organisation")


def case_of(scope: Scope, pk: int) -> Case:
    return scope.get(cases_of(scope), locality="organisation__locality", organisation="organisation", pk=pk)


def contacts_of(case: Case) -> list[Contact]:
    return list(Contact.objects.filter(case=case).select_related("child", "staff__user", "group"))


def quarantines_of(scope: Scope) -> QuerySet[Quarantine]:
    rows = Quarantine.objects.select_related("group", "infection")
    return scope.filter(rows, locality="organisation__locality", organisation="organisation")


@dataclass(frozen=True)
class Counts:
    organisation: str
    cases: int
    contacts: int
    quarantines: int
    in_quarantine_now: int


def department_counts(scope: Scope, *, today: dt.date) -> list[Counts]:
    """E57: what the department sees — counts per kindergarten, never a case, a child or an infection."""
    cases = dict(
        scope.filter(Case.objects.all(), locality="organisation__locality", organisation="organisation")
        .values("organisation")
        .annotate(n=Count("pk"))
        .values_list("organisation", "n")
    )
    contacts = dict(
        scope.filter(
            Contact.objects.all(), locality="case__organisation__locality", organisation="case__organisation"
        )
        .values("case__organisation")
        .annotate(n=Count("pk"))
        .values_list("case__organisation", "n")
    )
    quarantines = scope.filter(
        Quarantine.objects.all(), locality="organisation__locality", organisation="organisation"
    )
    total = dict(quarantines.values("organisation").annotate(n=Count("pk")).values_list("organisation", "n"))
    now = dict(
        quarantines.filter(first_day__lte=today, last_day__gte=today)
        .values("organisation")
        .annotate(n=Count("pk"))
        .values_list("organisation", "n")
    )
    ids = set(cases) | set(total)
    names = {o.pk: o.name for o in scope.organisations().filter(pk__in=ids)}
    return [
        Counts(
            names.get(pk, str(pk)), cases.get(pk, 0), contacts.get(pk, 0), total.get(pk, 0), now.get(pk, 0)
        )
        for pk in sorted(ids, key=lambda pk: names.get(pk, ""))
    ]


# --- the report for the sanitary service (E57) -----------------------------------------------------------

REPORT_HEADER = [
    _("record"),
    _("case"),
    _("infection"),
    _("person"),
    _("birth date"),
    _("group"),
    _("from"),
    _("until"),
]


def _person(child: Child | None, staff: StaffProfile | None) -> tuple[str, str]:
    if child is not None:
        return (
            f"{child.last_name} {child.first_name} {child.middle_name}".strip(),
            child.birth_date.isoformat(),
        )
    if staff is None:  # never: a CHECK constraint wants a child or a staff member
        return "", ""
    return staff.user.get_full_name() or staff.user.username, ""


def report_rows(scope: Scope) -> Iterator[list[str]]:
    """E57: a line per case (onset, isolation), per contact (first and last day of contact) and per
    quarantine (its days), oldest first."""
    for case in cases_of(scope).order_by("isolated_on", "pk"):
        name, born = _person(case.child, case.staff)
        group = case.enrollment.group.name if case.enrollment is not None else ""
        infection = case.infection.name
        yield [
            str(_("case")),
            str(case.pk),
            infection,
            name,
            born,
            group,
            str(case.onset_on),
            str(case.isolated_on),
        ]
        for contact in contacts_of(case):
            name, born = _person(contact.child, contact.staff)
            yield [
                str(_("contact")),
                str(case.pk),
                infection,
                name,
                born,
                contact.group.name,
                str(contact.first_day),
                str(contact.last_day),
            ]
    for quarantine in quarantines_of(scope).order_by("first_day", "pk"):
        cases = " ".join(str(pk) for pk in quarantine.cases.order_by("pk").values_list("pk", flat=True))
        yield [
            str(_("quarantine")),
            cases,
            quarantine.infection.name,
            "",
            "",
            quarantine.group.name,
            str(quarantine.first_day),
            str(quarantine.last_day),
        ]
