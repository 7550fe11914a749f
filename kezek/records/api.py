"""The children's files in the JSON API (E1–E9): staff read and keep their kindergarten's files (health
data only for the head and the nurse, each read logged); a parent reads their own children's files."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from kezek.cabinet.api import cabinet_auth
from kezek.core.auth import SIGNED_IN_ERRORS
from kezek.core.errors import PermissionDenied
from kezek.core.masking import mask_iin
from kezek.core.schemas import ErrorOut
from kezek.staff.auth import staff_auth
from kezek.staff.selectors import Scope
from kezek.waitlist.models import Applicant

from . import selectors, services
from .models import ChildDocument, ChildFile, SensitiveRead
from .views_staff import READERS

router = Router(tags=["children's files"])
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class FileRowOut(Schema):
    id: int
    enrollment: int
    child_first_name: str
    child_last_name: str
    child_iin: str = Field(description="masked")
    group: int
    status: str
    opened_on: dt.date
    closed_on: dt.date | None
    contract_number: str


class StayOut(Schema):
    group: int
    group_name: str
    since: dt.date
    until: dt.date | None


class DocumentOut(Schema):
    id: int
    kind: str
    issued_on: dt.date
    valid_until: dt.date | None
    sha256: str
    replaces: int | None
    replaced: bool


class PersonOut(Schema):
    last_name: str
    first_name: str
    middle_name: str


class ContactOut(PersonOut):
    phone: str
    phone_alt: str
    email: str


class HealthOut(Schema):
    allergies: str
    diet: str
    restrictions: str
    updated_at: dt.datetime


class FileOut(FileRowOut):
    birth_date: dt.date
    organisation: int
    contract_date: dt.date | None
    monthly_fee: Decimal | None
    close_reason: str
    close_note: str
    guardians: list[PersonOut]
    contacts: list[ContactOut]
    stays: list[StayOut]
    documents: list[DocumentOut] = Field(description="medical ones only for the head and the nurse")
    health: HealthOut | None = Field(description="only for the head and the nurse (and the parent)")
    sensitive: bool = Field(description="whether the health part was included (and the read logged)")


def _row(file: ChildFile) -> dict[str, object]:
    return {
        "id": file.pk,
        "enrollment": file.enrollment_id,
        "child_first_name": file.child.first_name,
        "child_last_name": file.child.last_name,
        "child_iin": mask_iin(file.child.iin),
        "group": file.enrollment.group_id,
        "status": file.status,
        "opened_on": file.opened_on,
        "closed_on": file.closed_on,
        "contract_number": file.contract_number,
    }


def _document(d: ChildDocument) -> DocumentOut:
    return DocumentOut(
        id=d.pk,
        kind=d.kind,
        issued_on=d.issued_on,
        valid_until=d.valid_until,
        sha256=d.sha256,
        replaces=d.replaces_id,
        replaced=hasattr(d, "replaced_by"),
    )


def _file_out(view: selectors.FileView) -> FileOut:
    f = view.file
    health = view.health
    return FileOut(
        **_row(f),  # type: ignore[arg-type]
        birth_date=f.child.birth_date,
        organisation=f.organisation_id,
        contract_date=f.contract_date,
        monthly_fee=f.monthly_fee,
        close_reason=f.close_reason,
        close_note=f.close_note,
        guardians=[
            PersonOut(last_name=p.last_name, first_name=p.first_name, middle_name=p.middle_name)
            for p in view.guardians
        ],
        contacts=[
            ContactOut(
                last_name=a.last_name,
                first_name=a.first_name,
                middle_name=a.middle_name,
                phone=a.phone,
                phone_alt=a.phone_alt,
                email=a.email,
            )
            for a in view.contacts
        ],
        stays=[
            StayOut(group=s.group_id, group_name=s.group.name, since=s.since, until=s.until)
            for s in view.stays
        ],
        documents=[_document(d) for d in view.documents],
        health=(
            HealthOut(
                allergies=health.allergies,
                diet=health.diet,
                restrictions=health.restrictions,
                updated_at=health.updated_at,
            )
            if health is not None
            else None
        ),
        sensitive=view.sensitive,
    )


def _scope(request: HttpRequest, roles: tuple[str, ...] = READERS) -> Scope:
    scope: Scope = request.scope  # type: ignore[attr-defined]
    if scope.role not in roles:
        raise PermissionDenied(_("Your role does not allow this."))
    return scope


class FilesQuery(Schema):
    status: str = Field(default="open", pattern="^(open|closed)$")
    page: int = Field(default=1, ge=1, le=100000)


PAGE = 100


@router.get(
    "/staff/records",
    response={200: list[FileRowOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    auth=staff_auth,
    summary="Kindergarten: the children's files (open, or the archive), 100 a page",
)
def staff_files(request: HttpRequest, query: Query[FilesQuery]) -> list[dict[str, object]]:
    rows = selectors.files_in_scope(_scope(request)).filter(status=query.status).order_by("pk")
    start = (query.page - 1) * PAGE
    return [_row(f) for f in rows[start : start + PAGE]]


@router.get(
    "/staff/records/{file_id}",
    response={200: FileOut, **READ_ERRORS},
    auth=staff_auth,
    summary="Kindergarten: one child's file (its health part for the head and the nurse, the read logged)",
)
def staff_file(request: HttpRequest, file_id: int) -> FileOut:
    scope = _scope(request)
    file = selectors.file_in_scope(scope, file_id)
    sensitive = selectors.may_read_health(scope.role)
    if sensitive:
        services.sensitive_read_log(
            file=file, user_id=scope.user_id, role=scope.role, what=SensitiveRead.What.HEALTH
        )
    return _file_out(selectors.file_view(file, sensitive=sensitive))


class ContractIn(Schema):
    number: str = Field(max_length=services.CONTRACT_NUMBER_MAX)
    signed_on: dt.date
    monthly_fee: Decimal = Field(ge=0, le=services.MONTHLY_FEE_MAX, decimal_places=2, max_digits=10)


@router.post(
    "/staff/record-contracts/{file_id}",
    response={200: FileRowOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Kindergarten: set (or replace) the contract with the parents (E3)",
)
def staff_contract(request: HttpRequest, file_id: int, data: ContractIn) -> dict[str, object]:
    staff: User = request.auth  # type: ignore[attr-defined]
    file = selectors.file_in_scope(_scope(request, services.CONTRACT_WRITERS), file_id)
    file = services.child_file_contract_set(
        file=file, by_staff=staff, number=data.number, signed_on=data.signed_on, monthly_fee=data.monthly_fee
    )
    return _row(selectors.file_in_scope(request.scope, file.pk))  # type: ignore[attr-defined]


class DocumentIn(Schema):
    kind: str = Field(max_length=20)
    issued_on: dt.date
    valid_until: dt.date | None = None
    replaces: int | None = Field(default=None, ge=1)


REQUIRED_FILE = File(...)  # PDF or JPEG, at most 5 MB


@router.post(
    "/staff/record-documents/{file_id}",
    response={201: DocumentOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Kindergarten: add a document to a child's file, or replace one of the same type (E5)",
)
def staff_document_add(
    request: HttpRequest, file_id: int, data: Form[DocumentIn], document: UploadedFile = REQUIRED_FILE
) -> Status[DocumentOut]:
    staff: User = request.auth  # type: ignore[attr-defined]
    scope = _scope(request, services.FILE_WRITERS)
    file = selectors.file_in_scope(scope, file_id)
    replaces = selectors.document_of(file, data.replaces) if data.replaces else None
    row = services.child_document_add(
        file=file,
        by_staff=staff,
        kind=data.kind,
        document=document,
        issued_on=data.issued_on,
        valid_until=data.valid_until,
        replaces=replaces,
    )
    return Status(201, _document(row))


class HealthIn(Schema):
    allergies: str = Field(default="", max_length=services.NOTE_MAX)
    diet: str = Field(default="", max_length=services.NOTE_MAX)
    restrictions: str = Field(default="", max_length=services.NOTE_MAX)


@router.put(
    "/staff/record-health/{file_id}",
    response={200: HealthOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Kindergarten's head or nurse: the health notes of a child's file (E4, E6)",
)
def staff_health(request: HttpRequest, file_id: int, data: HealthIn) -> HealthOut:
    staff: User = request.auth  # type: ignore[attr-defined]
    file = selectors.file_in_scope(_scope(request, services.SENSITIVE_ROLES), file_id)
    note = services.health_note_set(
        file=file, by_staff=staff, allergies=data.allergies, diet=data.diet, restrictions=data.restrictions
    )
    return HealthOut(
        allergies=note.allergies, diet=note.diet, restrictions=note.restrictions, updated_at=note.updated_at
    )


@router.get(
    "/cabinet/records",
    response={200: list[FileRowOut], 401: ErrorOut},
    auth=cabinet_auth,
    summary="My children's files in kindergartens",
)
def my_files(request: HttpRequest) -> list[dict[str, object]]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    return [_row(f) for f in selectors.files_of_parent(applicant)]


@router.get(
    "/cabinet/records/{file_id}",
    response={200: FileOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=cabinet_auth,
    summary="My child's whole file (E7)",
)
def my_file(request: HttpRequest, file_id: int) -> FileOut:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    return _file_out(selectors.file_view(selectors.file_of_parent(applicant, file_id), sensitive=True))
