"""The transfer to school in the JSON API (E60–E69): the guardian consents (cabinet), the kindergarten's
head issues the signed package (staff), the school receives it with its one-time code, anyone checks a
package by its public code."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from pydantic import Field

from kezek.cabinet.api import cabinet_auth
from kezek.core import clock
from kezek.core.auth import SIGNED_IN_ERRORS
from kezek.core.errors import NotFound, PermissionDenied, ValidationFailed
from kezek.core.http import ClientRateThrottle
from kezek.core.masking import mask_initials
from kezek.core.schemas import ErrorOut
from kezek.records.selectors import files_of_parent
from kezek.staff.auth import staff_auth
from kezek.staff.selectors import Scope
from kezek.waitlist.models import Applicant

from . import package, selectors, services
from .models import SCHOOL_NAME_MAX, SchoolTransfer
from .views import RECEIVE_RATE, STAFF_READERS

router = Router(tags=["transfer to school"])


class SchoolTransferOut(Schema):
    id: int
    file: int
    organisation: int
    state: str = Field(description="consented, issued, received, completed or resigned")
    school_name: str
    consented_at: dt.datetime
    issued_at: dt.datetime | None
    sha256: str = Field(description="SHA-256 of the package's canonical JSON; empty before the issue")
    verification_code: str | None = Field(description="the public verification page's code")
    received_at: dt.datetime | None
    left_on: dt.date | None


def _out(t: SchoolTransfer) -> SchoolTransferOut:
    return SchoolTransferOut(
        id=t.pk,
        file=t.file_id,
        organisation=t.organisation_id,
        state=t.state,
        school_name=t.school_name,
        consented_at=t.consented_at,
        issued_at=t.issued_at,
        sha256=t.sha256,
        verification_code=t.verification_code,
        received_at=t.received_at,
        left_on=t.ended_on,
    )


class PackageDocumentOut(Schema):
    """E63: canonical JSON (sorted keys, no spaces); verify it byte for byte."""

    package: dict[str, Any]
    sha256: str
    signature: str = Field(description="a signed note (c2sp.org/signed-note) of the number and SHA-256")
    vkey: str = Field(description="the transparency log's Ed25519 verifier key")


def _document(transfer: SchoolTransfer) -> HttpResponse:
    return HttpResponse(package.package_document(transfer), content_type="application/json")


# --- The parent ---


class MyFileOut(Schema):
    file: int
    final_year: bool = Field(description="E60: at least 6 on the next 1 September")
    guardian: bool = Field(description="E61: the register lists you as the child's parent or guardian")
    transfer: SchoolTransferOut | None


@router.get(
    "/cabinet/school-transfers",
    response={200: list[MyFileOut], 401: ErrorOut},
    auth=cabinet_auth,
    summary="My children's open files and their transfers to school",
)
def my_transfers(request: HttpRequest) -> list[MyFileOut]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    today = clock.today()
    rows = []
    for file in selectors.parent_files(applicant):
        transfer = getattr(file, "school_transfer", None)
        rows.append(
            MyFileOut(
                file=file.pk,
                final_year=selectors.in_final_year(file.child, on=today),
                guardian=selectors.is_guardian(applicant, file.child),
                transfer=_out(transfer) if transfer is not None else None,
            )
        )
    return rows


class ConsentIn(Schema):
    file: int = Field(ge=1)
    school_name: str = Field(max_length=SCHOOL_NAME_MAX)
    agree: bool = Field(description="must be true")


@router.post(
    "/cabinet/school-transfers",
    response={201: SchoolTransferOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Consent to the transfer of my child's file to school (E61)",
)
def my_consent(request: HttpRequest, data: ConsentIn) -> Status[SchoolTransferOut]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    if not data.agree:
        raise ValidationFailed(_("Tick the box to give your consent."), code="agree_required")
    file = files_of_parent(applicant).filter(pk=data.file).first()
    if file is None:
        raise NotFound(_("Not found."))
    transfer = services.transfer_consent(file=file, applicant=applicant, school_name=data.school_name)
    return Status(201, _out(transfer))


@router.get(
    "/cabinet/school-transfers/{transfer_id}/package",
    response={200: PackageDocumentOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=cabinet_auth,
    summary="My child's signed school package (E63)",
)
def my_package(request: HttpRequest, transfer_id: int) -> HttpResponse:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    transfer = selectors.transfer_of_parent(applicant, transfer_id)
    return _package_or_404(transfer)


def _package_or_404(transfer: SchoolTransfer) -> HttpResponse:
    if not transfer.package:
        raise NotFound(_("The package has not been issued yet."), code="not_issued")
    return _document(transfer)


# --- The kindergarten ---


def _scope(request: HttpRequest, roles: tuple[str, ...]) -> Scope:
    scope: Scope = request.scope  # type: ignore[attr-defined]
    if scope.role not in roles:
        raise PermissionDenied(_("Your role does not allow this."), code="role")
    return scope


@router.get(
    "/staff/school-transfers",
    response={200: list[SchoolTransferOut], 401: ErrorOut, 403: ErrorOut},
    auth=staff_auth,
    summary="Kindergarten: the transfers to school of its children (500 latest)",
)
def staff_transfers(request: HttpRequest) -> list[SchoolTransferOut]:
    return [_out(t) for t in selectors.transfers_in_scope(_scope(request, STAFF_READERS))[:500]]


class IssuedOut(Schema):
    transfer: SchoolTransferOut
    receipt_code: str = Field(description="E65: give it to the school; shown only in this answer")
    receipt_until: dt.datetime | None


@router.post(
    "/staff/school-transfers/{transfer_id}/package",
    response={201: IssuedOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Kindergarten's head: issue the signed school package (E62–E65)",
)
def staff_issue(request: HttpRequest, transfer_id: int) -> Status[IssuedOut]:
    staff: User = request.auth  # type: ignore[attr-defined]
    found = selectors.transfer_in_scope(request.scope, transfer_id)  # type: ignore[attr-defined]
    _scope(request, services.ISSUERS)  # another scope's transfer is a 404 first, then the role
    transfer, code = services.package_issue(file=found.file, by_staff=staff)
    return Status(
        201, IssuedOut(transfer=_out(transfer), receipt_code=code, receipt_until=transfer.receipt_until)
    )


@router.get(
    "/staff/school-transfers/{transfer_id}/package",
    response={200: PackageDocumentOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=staff_auth,
    summary="Kindergarten: a child's signed school package (E63)",
)
def staff_package(request: HttpRequest, transfer_id: int) -> HttpResponse:
    found = selectors.transfer_in_scope(request.scope, transfer_id)  # type: ignore[attr-defined]
    _scope(request, STAFF_READERS)
    return _package_or_404(found)


# --- The school and the public ---


class ReceiveIn(Schema):
    code: str = Field(max_length=40, description="the one-time receipt code, e.g. ABCD-EFGH-JKMN-PQRS")


@router.post(
    "/school-packages/receive",
    response={200: PackageDocumentOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    throttle=[ClientRateThrottle(RECEIVE_RATE)],
    summary="School: receive a package with its one-time code (E65)",
)
def receive(request: HttpRequest, data: ReceiveIn) -> HttpResponse:
    return _document(services.package_receive(code=data.code))


class PackageCheckOut(Schema):
    """E64: what the public may know of a package: no name, no IIN, no birth date."""

    number: int
    authentic: bool = Field(description="its kept JSON still verifies with the log's key")
    state: str
    sha256: str
    issued_at: dt.datetime | None
    organisation: int
    organisation_name: str
    child_initials: str
    child_birth_year: int
    log_origin: str


@router.get(
    "/school-packages/verify/{code}",
    response={200: PackageCheckOut, 404: ErrorOut},
    summary="Check a school package by the code of its QR (E64)",
)
def verify(request: HttpRequest, code: str) -> PackageCheckOut:
    transfer = selectors.transfer_by_verification_code(code)
    child = transfer.child
    return PackageCheckOut(
        number=transfer.pk,
        authentic=package.package_verify(package.package_document(transfer)).ok,
        state=transfer.state,
        sha256=transfer.sha256,
        issued_at=transfer.issued_at,
        organisation=transfer.organisation_id,
        organisation_name=transfer.organisation.name,
        child_initials=mask_initials(child.last_name, child.first_name),
        child_birth_year=child.birth_date.year,
        log_origin=settings.TRANSPARENCY_LOG_ORIGIN,
    )
