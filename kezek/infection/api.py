"""Infection control in the JSON API (E51, E56): the nurse or the head records a case and reads it with its
contacts and quarantines; every read is logged. Anyone else: 403."""

import datetime as dt

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from pydantic import Field

from kezek.core.auth import SIGNED_IN_ERRORS
from kezek.core.errors import NotFound, PermissionDenied
from kezek.core.schemas import ErrorOut
from kezek.placement.models import Enrollment
from kezek.staff.auth import staff_auth
from kezek.staff.models import StaffProfile
from kezek.staff.selectors import Scope

from . import selectors, services
from .models import Case, CaseRead

router = Router(tags=["infection control"])


class CaseIn(Schema):
    infection: str = Field(max_length=40, description="an infection's code (E50)")
    enrollment: int | None = Field(default=None, ge=1, description="the ill child's enrolment")
    staff: int | None = Field(default=None, ge=1, description="or the ill staff member's profile")
    onset_on: dt.date
    isolated_on: dt.date


class InfectionContactOut(Schema):
    group: int
    child: int | None
    enrollment: int | None
    staff: int | None
    name: str
    first_day: dt.date
    last_day: dt.date


class QuarantineOut(Schema):
    id: int
    group: int
    first_day: dt.date
    last_day: dt.date


class CaseOut(Schema):
    id: int
    infection: str
    subject: str
    enrollment: int | None
    staff: int | None
    onset_on: dt.date
    isolated_on: dt.date
    window_first: dt.date
    window_last: dt.date
    contacts: list[InfectionContactOut]
    quarantines: list[QuarantineOut]


def _scope(request: HttpRequest) -> Scope:
    scope: Scope = request.scope  # type: ignore[attr-defined]
    if scope.role not in services.HEALTH_ROLES:
        raise PermissionDenied(_("Only the kindergarten's nurse or head may do this."), code="role")
    return scope


def _user(request: HttpRequest) -> User:
    return User.objects.get(pk=_scope(request).user_id)


def _out(case: Case) -> CaseOut:
    contacts = [
        InfectionContactOut(
            group=c.group_id,
            child=c.child_id,
            enrollment=c.enrollment_id,
            staff=c.staff_id,
            name=(
                f"{c.child.last_name} {c.child.first_name}"
                if c.child is not None
                else (c.staff.user.get_full_name() if c.staff is not None else "")
            ),
            first_day=c.first_day,
            last_day=c.last_day,
        )
        for c in selectors.contacts_of(case)
    ]
    return CaseOut(
        id=case.pk,
        infection=case.infection.code,
        subject=case.subject,
        enrollment=case.enrollment_id,
        staff=case.staff_id,
        onset_on=case.onset_on,
        isolated_on=case.isolated_on,
        window_first=case.window_first,
        window_last=case.window_last,
        contacts=contacts,
        quarantines=[
            QuarantineOut(id=q.pk, group=q.group_id, first_day=q.first_day, last_day=q.last_day)
            for q in case.quarantines.order_by("pk")
        ],
    )


@router.post(
    "/staff/infection/cases",
    response={201: CaseOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Kindergarten nurse: record a case; contacts, quarantine and parents' messages follow (a read)",
)
def case_create(request: HttpRequest, data: CaseIn) -> Status[CaseOut]:
    scope = _scope(request)
    enrollment = staff = None
    if data.enrollment is not None:
        enrollment = Enrollment.objects.filter(pk=data.enrollment).first()
        if enrollment is None:
            raise NotFound(_("Not found."))
    if data.staff is not None:
        staff = StaffProfile.objects.filter(pk=data.staff).first()
        if staff is None:
            raise NotFound(_("Not found."))
    case = services.case_record(
        by_staff=_user(request),
        infection_code=data.infection,
        onset_on=data.onset_on,
        isolated_on=data.isolated_on,
        enrollment=enrollment,
        staff=staff,
    )
    case = selectors.case_of(scope, case.pk)
    services.case_read_log(user=_user(request), what=CaseRead.What.CASE, case=case)  # E56: its contacts
    return Status(201, _out(case))


@router.get(
    "/staff/infection/cases/{case_id}",
    response={200: CaseOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=staff_auth,
    summary="Kindergarten nurse or head: one case with its contacts and quarantines (the read logged)",
)
def case_get(request: HttpRequest, case_id: int) -> CaseOut:
    case = selectors.case_of(_scope(request), case_id)
    services.case_read_log(user=_user(request), what=CaseRead.What.CASE, case=case)
    return _out(case)
