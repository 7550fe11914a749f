"""The kindergarten's back-office (issue #6): directions awaiting enrolment, enrolment with a date, groups
and their rosters, departures (the seat is published at once), staff children outside the queue (P7).

Kindergarten head and staff see their own organisation only, the administrator every one; every read is
narrowed by `request.scope` (another organisation's row is a 404, like a missing one). A direction waiting
for its benefit to be confirmed is never shown nor enrolled here (P4, P5)."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kezek.core import clock
from kezek.core.errors import DomainError, NotFound
from kezek.core.forms_views import form_posted
from kezek.core.masking import mask_iin
from kezek.facilities.models import Group
from kezek.placement import selectors, services
from kezek.placement.models import Direction, Enrollment

from ..auth import staff_required
from ..forms_kindergarten import DepartForm, EnrolForm, StaffChildForm
from ..models import KINDERGARTEN_ROLES, Role
from ..selectors import Scope

KINDERGARTEN = (*KINDERGARTEN_ROLES, Role.ADMINISTRATOR)
HEAD = (Role.KINDERGARTEN_HEAD, Role.ADMINISTRATOR)  # P7: by the head's written order

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

M = TypeVar("M", bound=Model)


def _scope(request: HttpRequest) -> Scope:
    return request.scope  # type: ignore[attr-defined]  # set by staff_required


def _user(request: HttpRequest) -> User:
    return User.objects.get(pk=_scope(request).user_id)  # a signed-in staff user (staff_required)


def _in_scope(request: HttpRequest, queryset: QuerySet[M], *, via: str) -> QuerySet[M]:
    """`queryset` narrowed to the user's organisation(s); `via` is the lookup from a row to its group's
    organisation ("" for groups themselves)."""
    prefix = f"{via}__" if via else ""
    return _scope(request).filter(
        queryset, locality=f"{prefix}organisation__locality", organisation=f"{prefix}organisation"
    )


def _one(request: HttpRequest, queryset: QuerySet[M], *, via: str, pk: int) -> M:
    prefix = f"{via}__" if via else ""
    try:
        return _scope(request).get(
            queryset, locality=f"{prefix}organisation__locality", organisation=f"{prefix}organisation", pk=pk
        )
    except NotFound as exc:
        raise Http404 from exc


def _pending(request: HttpRequest) -> QuerySet[Direction]:
    return _in_scope(request, selectors.directions_awaiting_enrollment(), via="group")


def _current(request: HttpRequest) -> QuerySet[Enrollment]:
    return _in_scope(request, selectors.enrollments_current(), via="group")


def _child_row(obj: Any, child: Any) -> dict[str, Any]:
    return {"obj": obj, "child": child, "iin": mask_iin(child.iin)}


DATE_CODES = {"date_future", "date_before_issue", "date_invalid"}


def _on_date(date_field: str) -> Callable[[DomainError], str | None]:
    """A service's refusal on the form: a date's on its field, anything else above the form."""
    return lambda exc: date_field if exc.code in DATE_CODES else None


def _to_group(request: HttpRequest, group_id: int, message: "StrOrPromise") -> HttpResponse:
    messages.success(request, message)
    return HttpResponseRedirect(reverse("staff:kindergarten_group", args=[group_id]))


@require_GET
@staff_required(*KINDERGARTEN)
def directions_pending(request: HttpRequest) -> HttpResponse:
    """The organisation's directions awaiting enrolment, by deadline."""
    rows = [_child_row(d, d.application.child) for d in _pending(request)]
    return render(request, "staff/kindergarten/directions.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@staff_required(*KINDERGARTEN)
def direction_enroll(request: HttpRequest, number: int) -> HttpResponse:
    """Enrol the child of a direction with the date they came."""
    direction = _one(request, _pending(request), via="group", pk=number)
    form = EnrolForm(request.POST or None, initial={"enrolled_on": clock.today()})
    status = 200
    if request.method == "POST":

        def enrol(data: dict[str, Any]) -> HttpResponse:
            enrollment = services.direction_enroll(
                direction=direction, by_staff=_user(request), on=data["enrolled_on"]
            )
            return _to_group(request, enrollment.group_id, _("The child is enrolled."))

        done, status = form_posted(form, enrol, field=_on_date("enrolled_on"))
        if done is not None:
            return done
    context = {"row": _child_row(direction, direction.application.child), "form": form}
    return render(request, "staff/kindergarten/enroll.html", context, status=status)


@require_GET
@staff_required(*KINDERGARTEN)
def groups(request: HttpRequest) -> HttpResponse:
    """The organisation's groups: capacity, enrolled, live directions, free seats."""
    rows = selectors.groups_with_seats(_in_scope(request, Group.objects.all(), via=""))
    return render(request, "staff/kindergarten/groups.html", {"groups": rows})


@require_GET
@staff_required(*KINDERGARTEN)
def group(request: HttpRequest, group_id: int) -> HttpResponse:
    """A group's roster: the children in it now, with their enrolment date."""
    found = _one(request, selectors.groups_with_seats(Group.objects.all()), via="", pk=group_id)
    roster = [_child_row(e, e.child) for e in _current(request).filter(group=found)]
    context = {"group": found, "roster": roster, "may_enrol_staff_child": _scope(request).role in HEAD}
    return render(request, "staff/kindergarten/group.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(*KINDERGARTEN)
def enrollment_depart(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """A child leaves the group, with the date and a written reason; the seat is published at once."""
    enrollment = _one(request, _current(request), via="group", pk=enrollment_id)
    form = DepartForm(request.POST or None, initial={"left_on": clock.today()})
    status = 200
    if request.method == "POST":

        def depart(data: dict[str, Any]) -> HttpResponse:
            services.enrollment_depart(
                enrollment=enrollment,
                by_staff=_user(request),
                on=data["left_on"],
                reason=data["reason"],
                reason_code=data["reason_code"],
            )
            message = _("The departure is recorded and the place is published.")
            return _to_group(request, enrollment.group_id, message)

        done, status = form_posted(form, depart, field=_on_date("left_on"))
        if done is not None:
            return done
    context = {"row": _child_row(enrollment, enrollment.child), "form": form}
    return render(request, "staff/kindergarten/depart.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required(*HEAD)
def staff_child(request: HttpRequest, group_id: int) -> HttpResponse:
    """P7: the head enrols a child of the kindergarten's staff outside the queue, by a written order."""
    found = _one(request, Group.objects.select_related("organisation"), via="", pk=group_id)
    form = StaffChildForm(request.POST or None, initial={"enrolled_on": clock.today()})
    status = 200
    if request.method == "POST":

        def enrol(data: dict[str, Any]) -> HttpResponse:
            services.enrollment_staff_child(
                group=found,
                child_iin=data["child_iin"].strip(),
                by_staff=_user(request),
                basis=form.basis,
                on=data["enrolled_on"],
            )
            message = _("The child is enrolled outside the queue; it is marked publicly.")
            return _to_group(request, found.pk, message)

        def field(exc: DomainError) -> str | None:
            if exc.code in DATE_CODES:
                return "enrolled_on"
            if exc.code.startswith("basis_"):
                return exc.code
            return "child_iin" if exc.code.startswith("child_iin") else None

        done, status = form_posted(form, enrol, field=field)
        if done is not None:
            return done
    return render(
        request, "staff/kindergarten/staff_child.html", {"group": found, "form": form}, status=status
    )


urlpatterns = [
    path("kindergarten/directions/", directions_pending, name="directions_pending"),
    path("kindergarten/directions/<int:number>/enrol/", direction_enroll, name="kindergarten_enrol"),
    path("kindergarten/groups/", groups, name="groups"),
    path("kindergarten/groups/<int:group_id>/", group, name="kindergarten_group"),
    path("kindergarten/groups/<int:group_id>/staff-child/", staff_child, name="kindergarten_staff_child"),
    path(
        "kindergarten/enrollments/<int:enrollment_id>/depart/", enrollment_depart, name="kindergarten_depart"
    ),
]
