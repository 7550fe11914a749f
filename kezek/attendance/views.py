"""The timesheet's back-office pages (E10–E18): the teacher's day screen (phone first), the group's month
with the head's submission, the department's disputes and flags. Thin: the services decide; a refusal is
shown with its status (422, 409, 403, 404) and writes nothing."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kezek.core import clock
from kezek.core.errors import DomainError
from kezek.facilities.models import Group, Organisation
from kezek.placement.models import Enrollment
from kezek.staff.auth import staff_required
from kezek.staff.models import Role, StaffProfile
from kezek.staff.selectors import Scope

from . import flags as flag_reads
from . import selectors, services
from .models import AbsenceReason, Closure, Correction, Dispute, Mark, TeacherAssignment, TimesheetMonth

MARKERS = (Role.TEACHER, Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF, Role.ADMINISTRATOR)
KINDERGARTEN = (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF, Role.ADMINISTRATOR)
DEPARTMENT = (Role.OPERATOR, Role.DEPARTMENT_HEAD, Role.ADMINISTRATOR, Role.AUDITOR)


def _scope(request: HttpRequest) -> Scope:
    return request.scope  # type: ignore[attr-defined]


def _user(request: HttpRequest) -> User:
    return User.objects.get(pk=_scope(request).user_id)


def _groups(request: HttpRequest) -> QuerySet[Group]:
    """The groups this user may open: the kindergarten's (a teacher reads them all and marks the groups
    assigned to them, E10), or the department's."""
    rows = Group.objects.select_related("organisation")
    return _scope(request).filter(rows, locality="organisation__locality", organisation="organisation")


def _my_groups(request: HttpRequest) -> QuerySet[Group]:
    """The groups listed on the home page: a teacher's assigned ones, else all in the scope."""
    scope = _scope(request)
    if scope.role == Role.TEACHER:
        profile = StaffProfile.objects.get(user_id=scope.user_id)
        ids = TeacherAssignment.objects.filter(profile=profile, until__isnull=True).values("group_id")
        return _groups(request).filter(pk__in=ids)
    return _groups(request)


def _group(request: HttpRequest, group_id: int) -> Group:
    found = _groups(request).filter(pk=group_id).first()
    if found is None:
        raise Http404
    return found


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Http404 from exc


def _month(value: str) -> dt.date:
    return _day(f"{value}-01")


def _home(request: HttpRequest, *, department: bool) -> HttpResponse:
    today = clock.today()
    groups = list(_my_groups(request).filter(is_active=True).order_by("organisation__name_ru", "name")[:200])
    context = {
        "groups": groups,
        "today": today,
        "month": today.replace(day=1),
        "previous": selectors.month_start(today.replace(day=1) - dt.timedelta(days=1)),
        "department": department,
        "month_view": "staff:attendance_group_month" if department else "staff:attendance_month",
        "may_setup": _scope(request).role in (Role.KINDERGARTEN_HEAD, Role.ADMINISTRATOR) and not department,
    }
    return render(request, "attendance/home.html", context)


@require_GET
@staff_required(*MARKERS)
def home(request: HttpRequest) -> HttpResponse:
    """The kindergarten's timesheets: my groups, today's day and the months."""
    return _home(request, department=False)


@require_GET
@staff_required(*DEPARTMENT)
def department_home(request: HttpRequest) -> HttpResponse:
    """The department's timesheets: disputes, flags, the groups' months."""
    return _home(request, department=True)


@require_http_methods(["GET", "POST"])
@staff_required(*MARKERS)
def day(request: HttpRequest, group_id: int, on: str) -> HttpResponse:
    """E11: one screen per group and day: everyone present by default, one tap per absent child."""
    group = _group(request, group_id)
    the_day = _day(on)
    status, error = 200, None
    if request.method == "POST":
        try:
            if request.POST.get("enrollment"):  # one child's mark on a day already marked
                enrollment = selectors.enrolled_on_day(group_id=group.pk, day=the_day).get(
                    pk=int(request.POST["enrollment"])
                )
                reason = request.POST.get("reason", "")
                services.child_mark(
                    enrollment=enrollment,
                    day=the_day,
                    present=not reason,
                    reason=reason,
                    by_staff=_user(request),
                )
            else:
                absences = {
                    int(key.removeprefix("reason-")): str(value)
                    for key, value in request.POST.items()
                    if key.startswith("reason-") and value
                }
                services.day_mark(group=group, day=the_day, absences=absences, by_staff=_user(request))
            messages.success(request, _("The day is marked."))
            return HttpResponseRedirect(request.path)
        except DomainError as exc:
            status, error = exc.status, exc.message
        except (ValueError, Enrollment.DoesNotExist):
            status, error = 422, _("A child in the list was not enrolled in the group on that day.")
    sheet = selectors.day_sheet(group=group, day=the_day)
    context = {
        "sheet": sheet,
        "reasons": AbsenceReason.choices,
        "error": error,
        "previous": the_day - dt.timedelta(days=1),
        "next": the_day + dt.timedelta(days=1),
        "today": clock.today(),
    }
    return render(request, "attendance/day.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required(*MARKERS)
def month(request: HttpRequest, group_id: int, month: str) -> HttpResponse:
    """E13: the group's month as a grid; the head submits it."""
    return _month_page(request, group_id, month, month_view="staff:attendance_month")


@require_GET
@staff_required(*DEPARTMENT)
def group_month(request: HttpRequest, group_id: int, month: str) -> HttpResponse:
    """The department reads a group's month (the flags link here)."""
    return _month_page(request, group_id, month, month_view="staff:attendance_group_month")


def _month_page(request: HttpRequest, group_id: int, month: str, *, month_view: str) -> HttpResponse:
    group = _group(request, group_id)
    the_month = _month(month)
    status, error = 200, None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "correction":  # E16: a mark of a locked month
                _correction_posted(request, group)
                messages.success(request, _("The correction is recorded; it shows in the next open month."))
            else:
                services.month_submit(group=group, month=the_month, by_staff=_user(request))
                messages.success(request, _("The month is submitted; parents can approve it from the 1st."))
            return HttpResponseRedirect(request.path)
        except DomainError as exc:
            status, error = exc.status, exc.message
    grid = selectors.month_grid(group=group, month=the_month)
    context = {
        "grid": grid,
        "error": error,
        "may_submit": _scope(request).role in (Role.KINDERGARTEN_HEAD, Role.ADMINISTRATOR)
        and grid.state == TimesheetMonth.State.OPEN,
        "window": selectors.approval_window(the_month),
        "lock_day": selectors.lock_day(the_month),
        "previous": selectors.month_start(the_month - dt.timedelta(days=1)),
        "next": selectors.next_month(the_month),
        "month_view": month_view,
        "may_correct": _scope(request).role in (Role.KINDERGARTEN_HEAD, Role.ADMINISTRATOR)
        and month_view == "staff:attendance_month"
        and grid.state == TimesheetMonth.State.LOCKED,
        "reasons": AbsenceReason.choices,
        "corrections": Correction.objects.filter(mark__group=group, shown_in=the_month)
        .select_related("mark__enrollment__child")
        .order_by("made_at", "pk"),
        "home_view": "staff:attendance"
        if month_view == "staff:attendance_month"
        else "staff:attendance_department",
    }
    return render(request, "attendance/month.html", context, status=status)


def _correction_posted(request: HttpRequest, group: Group) -> None:
    day = _date(request.POST.get("day", ""))
    enrollment_id = _int(request.POST.get("enrollment"))
    mark = Mark.objects.filter(group=group, enrollment_id=enrollment_id, day=day).first() if day else None
    if mark is None:
        raise Http404
    reason = request.POST.get("reason", "")
    services.correction_make(
        mark=mark,
        present=not reason,
        reason=reason,
        note=request.POST.get("note", ""),
        by_staff=_user(request),
    )


def _disputes(request: HttpRequest) -> QuerySet[Dispute]:
    rows = Dispute.objects.select_related(
        "child_month__timesheet__group__organisation", "child_month__enrollment__child"
    ).order_by("resolved_at", "created_at", "pk")
    return _scope(request).filter(rows, locality="child_month__timesheet__group__organisation__locality")


@require_http_methods(["GET", "POST"])
@staff_required(*DEPARTMENT)
def disputes(request: HttpRequest) -> HttpResponse:
    """E16: days parents disputed, the open ones first; POST resolves one (not an auditor)."""
    status = 200
    if request.method == "POST":
        if _scope(request).read_only:
            return render(request, "staff/forbidden.html", status=403)
        try:
            found = _disputes(request).filter(pk=int(request.POST.get("dispute", ""))).first()
        except ValueError:
            found = None
        if found is None:
            raise Http404
        decision = request.POST.get("decision", "")
        try:
            services.dispute_resolve(
                dispute=found,
                by_staff=_user(request),
                keep=decision == "keep",
                present=None if decision == "keep" else decision == "present",
                reason="" if decision in ("keep", "present") else request.POST.get("reason", ""),
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("The dispute is resolved."))
            return HttpResponseRedirect(request.path)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            status = exc.status
    rows = list(_disputes(request)[:300])
    marks = {
        (m.enrollment_id, m.day): m
        for m in Mark.objects.filter(
            enrollment_id__in=[d.child_month.enrollment_id for d in rows], day__in=[d.day for d in rows]
        )
    }
    context = {
        "rows": [(d, marks.get((d.child_month.enrollment_id, d.day))) for d in rows],
        "reasons": AbsenceReason.choices,
        "read_only": _scope(request).read_only,
    }
    return render(request, "attendance/disputes.html", context, status=status)


@require_GET
@staff_required(*DEPARTMENT)
def flags(request: HttpRequest) -> HttpResponse:
    """E18: the department's report of suspicious timesheets (a report, never a block)."""
    scope = _scope(request)

    def scoped(rows: QuerySet[Any]) -> QuerySet[Any]:
        return scope.filter(rows, locality="group__organisation__locality")

    found = flag_reads.flags(scoped)
    groups = {
        g.pk: g
        for g in Group.objects.filter(pk__in={f.group_id for f in found}).select_related("organisation")
    }
    context = {"rows": [(f, groups.get(f.group_id or 0)) for f in found], "thresholds": flag_reads}
    return render(request, "attendance/flags.html", context)


HEADS = (Role.KINDERGARTEN_HEAD, Role.ADMINISTRATOR)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@staff_required(*HEADS)
def setup(request: HttpRequest) -> HttpResponse:
    """E10, E12: the head assigns teachers to groups, ends an assignment, records a closure or quarantine."""
    status = 200
    groups = _groups(request).filter(is_active=True).order_by("name")
    teachers = _scope(request).filter(
        StaffProfile.objects.filter(role=Role.TEACHER, is_active=True).select_related("user"),
        locality="organisation__locality",
        organisation="organisation",
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "assign":
                group = groups.filter(pk=_int(request.POST.get("group"))).first()
                profile = teachers.filter(pk=_int(request.POST.get("teacher"))).first()
                since = _date(request.POST.get("since", ""))
                if group is None or profile is None or since is None:
                    raise Http404
                services.teacher_assign(profile=profile, group=group, since=since, by_staff=_user(request))
            elif action == "unassign":
                assignment = TeacherAssignment.objects.filter(
                    pk=_int(request.POST.get("assignment")), group__in=groups, until__isnull=True
                ).first()
                until = _date(request.POST.get("until", ""))
                if assignment is None or until is None:
                    raise Http404
                services.teacher_unassign(assignment=assignment, until=until, by_staff=_user(request))
            elif action == "closure":
                first, last = (
                    _date(request.POST.get("first_day", "")),
                    _date(request.POST.get("last_day", "")),
                )
                group_id = request.POST.get("group") or None
                group = groups.filter(pk=_int(group_id)).first() if group_id else None
                organisation = group.organisation if group else _scope_organisation(request)
                if first is None or last is None or organisation is None or (group_id and group is None):
                    raise Http404
                services.closure_add(
                    organisation=organisation,
                    group=group,
                    first_day=first,
                    last_day=last,
                    kind=request.POST.get("kind", ""),
                    by_staff=_user(request),
                )
            else:
                raise Http404
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(request.path)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            status = exc.status
    assignments = TeacherAssignment.objects.filter(group__in=groups).select_related("profile__user", "group")
    context = {
        "groups": groups,
        "teachers": teachers,
        "assignments": assignments.order_by("group__name", "-since"),
        "today": clock.today(),
        "kinds": Closure.Kind.choices,
        "closures": Closure.objects.filter(organisation__in=groups.values("organisation")).order_by(
            "-first_day"
        )[:50],
    }
    return render(request, "attendance/setup.html", context, status=status)


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _scope_organisation(request: HttpRequest) -> Organisation | None:
    organisation_id = _scope(request).organisation_id
    return Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None


urlpatterns = [
    path("attendance/setup/", setup, name="attendance_setup"),
    path("attendance/", home, name="attendance"),
    path("attendance/department/", department_home, name="attendance_department"),
    path("attendance/groups/<int:group_id>/day/<str:on>/", day, name="attendance_day"),
    path("attendance/groups/<int:group_id>/month/<str:month>/", month, name="attendance_month"),
    path("attendance/disputes/", disputes, name="attendance_disputes"),
    path(
        "attendance/department/groups/<int:group_id>/month/<str:month>/",
        group_month,
        name="attendance_group_month",
    ),
    path("attendance/flags/", flags, name="attendance_flags"),
]
