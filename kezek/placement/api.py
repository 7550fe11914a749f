"""Distribution API: free places (public), directions and medical indications (cabinet), enrolment,
departure and decisions on medical indications (staff)."""

import datetime as dt

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from kezek.cabinet.api import cabinet_auth
from kezek.cabinet.sessions import applicant_from_session
from kezek.core import clock
from kezek.core.auth import SIGNED_IN_ERRORS
from kezek.core.errors import NotFound, PermissionDenied
from kezek.core.schemas import ErrorOut
from kezek.facilities.models import Group
from kezek.facilities.selectors import locality_get
from kezek.staff.auth import staff_auth
from kezek.staff.models import DEPARTMENT_ROLES, KINDERGARTEN_ROLES, Role
from kezek.staff.selectors import Scope
from kezek.waitlist.models import Applicant, Application

from . import selectors, services
from .models import Direction, Enrollment, MedicalIndication

router = Router(tags=["free places and directions"])


class FreePlacesOut(Schema):
    age_from: int
    age_to: int
    general: int
    general_by_language: dict[str, int]
    priority: int


class OrganisationFreeOut(Schema):
    organisation: int
    ranges: list[FreePlacesOut]


class FreePlacesQuery(Schema):
    organisation: int = Field(ge=1)


@router.get(
    "/free-places",
    response={200: OrganisationFreeOut, 422: ErrorOut},
    summary="Free places of an organisation by age range: general access (by language) and priority access",
)
def free_places(request: HttpRequest, query: Query[FreePlacesQuery]) -> OrganisationFreeOut:
    ranges = selectors.free_places(organisation_id=query.organisation)
    return OrganisationFreeOut(
        organisation=query.organisation, ranges=[FreePlacesOut(**r.__dict__) for r in ranges]
    )


class SearchQuery(Schema):
    locality: str = Field(max_length=40)
    age: int | None = Field(default=None, ge=0, le=7, description="the child's age in full years")
    application: int | None = Field(default=None, ge=1, description="or an application number")
    language: str | None = Field(default=None, max_length=2)
    organisation: int | None = Field(default=None, ge=1)


class GroupFreeOut(Schema):
    group_id: int
    organisation_id: int
    organisation: str
    age_from: int
    age_to: int
    language: str
    kind: str
    general: int
    priority: int


@router.get(
    "/free-places/search",
    response={200: list[GroupFreeOut], 404: ErrorOut, 422: ErrorOut},
    summary="Search free places: by locality, the child's age or an application, language, organisation",
)
def free_places_search(request: HttpRequest, query: Query[SearchQuery]) -> list[GroupFreeOut]:
    locality = locality_get(code=query.locality)
    birth_date = None
    eligible_for = None
    if query.application is not None:
        application = Application.objects.select_related("child").filter(pk=query.application).first()
        if application is None:
            raise NotFound(_("Application not found."))
        birth_date = application.child.birth_date
        # The group kinds a child qualifies for (P3) tell of its health: only its own parent sees them.
        applicant = applicant_from_session(request)
        if applicant is not None and application.applicant_id == applicant.pk:
            eligible_for = application
    elif query.age is not None:
        birth_date = selectors.birth_date_of_age(age=query.age, today=clock.today())
    rows = selectors.free_places_search(
        locality=locality,
        birth_date=birth_date,
        eligible_for=eligible_for,
        language=query.language,
        organisation_id=query.organisation,
    )
    return [GroupFreeOut(**row.__dict__) for row in rows]


class DirectionIn(Schema):
    application: int = Field(ge=1)
    group: int = Field(ge=1)


class CabinetDirectionOut(Schema):
    """A direction as its parent sees it (not the open-data row, `DirectionOut`)."""

    number: int
    application: int
    group: int
    organisation: int
    state: str
    issued_at: dt.datetime
    valid_until: dt.datetime
    latest_valid_until: dt.datetime
    verification_code: str


def _out(direction: Direction) -> CabinetDirectionOut:
    return CabinetDirectionOut(
        number=direction.pk,
        application=direction.application_id,
        group=direction.group_id,
        organisation=direction.group.organisation_id,
        state=selectors.direction_state(direction),
        issued_at=direction.issued_at,
        valid_until=direction.valid_until,
        latest_valid_until=direction.latest_valid_until,
        verification_code=direction.verification_code,
    )


def _own_direction(request: HttpRequest, number: int) -> tuple[Applicant, Direction]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    direction = (
        Direction.objects.select_related("group").filter(pk=number, application__applicant=applicant).first()
    )
    if direction is None:
        raise NotFound(_("Direction not found."))
    return applicant, direction


@router.post(
    "/cabinet/directions",
    response={201: CabinetDirectionOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Take a free place: get a direction for one of my applications",
)
def direction_take(request: HttpRequest, data: DirectionIn) -> Status[CabinetDirectionOut]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    application = Application.objects.filter(pk=data.application, applicant=applicant).first()
    group = Group.objects.select_related("organisation").filter(pk=data.group, is_active=True).first()
    if application is None or group is None:
        raise NotFound(_("Application or group not found."))
    direction = services.direction_take(application=application, group=group, applicant=applicant)
    return Status(201, _out(direction))


@router.get(
    "/cabinet/directions",
    response={200: list[CabinetDirectionOut], 401: ErrorOut},
    auth=cabinet_auth,
    summary="My directions",
)
def my_directions(request: HttpRequest) -> list[CabinetDirectionOut]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    directions = Direction.objects.filter(application__applicant=applicant).select_related("group")
    return [_out(d) for d in directions]


@router.post(
    "/cabinet/directions/{number}/extend",
    response={200: CabinetDirectionOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Extend my direction",
)
def direction_extend(request: HttpRequest, number: int) -> CabinetDirectionOut:
    applicant, direction = _own_direction(request, number)
    return _out(services.direction_extend(direction=direction, applicant=applicant))


@router.post(
    "/cabinet/directions/{number}/decline",
    response={200: CabinetDirectionOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Decline my direction (the application returns to its place in the queue)",
)
def direction_decline(request: HttpRequest, number: int) -> CabinetDirectionOut:
    applicant, direction = _own_direction(request, number)
    return _out(services.direction_decline(direction=direction, applicant=applicant))


class CabinetOfferOrganisationOut(Schema):
    id: int
    name: str = Field(description="in the active language")


class CabinetOfferGroupOut(Schema):
    id: int
    name: str
    age_from: int
    age_to: int
    language: str


class CabinetOfferOut(Schema):
    """A live offer of places to one of my applications (P2): take one with `POST /cabinet/directions`
    (this application, this group) before the deadline."""

    application: int = Field(validation_alias="application.pk")
    organisation: CabinetOfferOrganisationOut = Field(validation_alias="group.organisation")
    group: CabinetOfferGroupOut
    deadline: dt.datetime = Field(validation_alias="until")


@router.get(
    "/cabinet/offers",
    response={200: list[CabinetOfferOut], 401: ErrorOut},
    auth=cabinet_auth,
    summary="The places offered to my applications now, soonest deadline first",
)
def my_offers(request: HttpRequest) -> list[selectors.Offer]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    return selectors.offers_of(applicant=applicant)


class MedicalIndicationIn(Schema):
    application: int = Field(ge=1)
    issued_on: dt.date
    valid_until: dt.date


class MedicalIndicationOut(Schema):
    id: int
    application: int = Field(validation_alias="application_id")
    issued_on: dt.date
    valid_until: dt.date
    status: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    reason: str


REQUIRED_FILE = File(...)  # the medical conclusion (multipart): PDF or JPEG, at most 5 MB


@router.post(
    "/cabinet/medical-indications",
    response={201: MedicalIndicationOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Submit the medical indication of my application's child for sanatorium groups",
)
def medical_indication_submit(
    request: HttpRequest, data: Form[MedicalIndicationIn], document: UploadedFile = REQUIRED_FILE
) -> Status[MedicalIndication]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    application = Application.objects.filter(pk=data.application, applicant=applicant).first()
    if application is None:
        raise NotFound(_("Application not found."))
    indication = services.medical_indication_submit(
        application=application,
        applicant=applicant,
        document=document,
        issued_on=data.issued_on,
        valid_until=data.valid_until,
    )
    return Status(201, indication)


@router.get(
    "/cabinet/medical-indications",
    response={200: list[MedicalIndicationOut], 401: ErrorOut},
    auth=cabinet_auth,
    summary="The medical indications of my children, newest first",
)
def my_medical_indications(request: HttpRequest) -> list[MedicalIndication]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    return list(MedicalIndication.objects.filter(application__applicant=applicant))


class EnrollIn(Schema):
    enrolled_on: dt.date | None = None


class EnrollmentOut(Schema):
    id: int
    group_id: int
    enrolled_on: dt.date
    left_on: dt.date | None


class DepartIn(Schema):
    left_on: dt.date | None = None
    reason: str = Field(max_length=500)
    reason_code: str = Field(default="", max_length=20, description="why, from the list (E8); default other")


KINDERGARTEN = (*KINDERGARTEN_ROLES, Role.ADMINISTRATOR)
DEPARTMENT = (*DEPARTMENT_ROLES, Role.ADMINISTRATOR)


def _staff_scope(request: HttpRequest, roles: tuple[str, ...]) -> Scope:
    """The staff user's scope (set by `staff_auth`); 403 for a role these endpoints are not for."""
    scope: Scope = request.scope  # type: ignore[attr-defined]
    if scope.role not in roles:
        raise PermissionDenied(_("Your role does not allow this."))
    return scope


@router.post(
    "/staff/directions/{number}/enroll",
    response={200: EnrollmentOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Kindergarten: enrol the child of a direction",
)
def enroll(request: HttpRequest, number: int, data: EnrollIn) -> Enrollment:
    staff: User = request.auth  # type: ignore[attr-defined]  # StaffSession lets only staff in
    # P4: the kindergarten cannot see a direction waiting for benefit confirmation; nor another's (404).
    direction = _staff_scope(request, KINDERGARTEN).get(
        Direction.objects.exclude(state=Direction.State.BENEFIT_CONFIRMATION),
        locality="group__organisation__locality",
        organisation="group__organisation",
        pk=number,
    )
    return services.direction_enroll(direction=direction, by_staff=staff, on=data.enrolled_on)


@router.post(
    "/staff/enrollments/{enrollment_id}/depart",
    response={200: EnrollmentOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Kindergarten: a child leaves the group (the seat is published)",
)
def depart(request: HttpRequest, enrollment_id: int, data: DepartIn) -> Enrollment:
    staff: User = request.auth  # type: ignore[attr-defined]  # StaffSession lets only staff in
    enrollment = _staff_scope(request, KINDERGARTEN).get(
        Enrollment.objects.all(),
        locality="group__organisation__locality",
        organisation="group__organisation",
        pk=enrollment_id,
    )
    return services.enrollment_depart(
        enrollment=enrollment,
        by_staff=staff,
        on=data.left_on,
        reason=data.reason,
        reason_code=data.reason_code,
    )


class IndicationDecisionIn(Schema):
    confirm: bool
    reason: str = Field(default="", max_length=500)


@router.post(
    "/staff/medical-indications/{indication_id}/decide",
    response={200: MedicalIndicationOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Confirm or reject (with a written reason) a medical indication for sanatorium groups",
)
def medical_indication_decide(
    request: HttpRequest, indication_id: int, data: IndicationDecisionIn
) -> MedicalIndication:
    staff: User = request.auth  # type: ignore[attr-defined]  # StaffSession lets only staff in
    indication = _staff_scope(request, DEPARTMENT).get(
        MedicalIndication.objects.all(), locality="application__locality", pk=indication_id
    )
    return services.medical_indication_decide(
        indication=indication, confirm=data.confirm, by_staff=staff, reason=data.reason
    )
