"""Funding API (E20–E29): the department's rates, terms and month (staff), a statement for the department
or its kindergarten's head (staff), and each kindergarten's monthly funding as open data (public)."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from kezek.core.auth import SIGNED_IN_ERRORS
from kezek.core.errors import PermissionDenied, ValidationFailed
from kezek.core.schemas import ErrorOut
from kezek.facilities import selectors as facilities
from kezek.facilities.models import Locality
from kezek.opendata.schemas import LocalityPath
from kezek.staff.auth import staff_auth
from kezek.staff.models import DEPARTMENT_ROLES, Role
from kezek.staff.selectors import Scope

from . import selectors, services
from .models import Rate, Statement, Terms

router = Router(tags=["funding"])
T = TypeVar("T")

WRITE = (*DEPARTMENT_ROLES, Role.ADMINISTRATOR)  # E20/E25: the department runs the money
READ = (*WRITE, Role.AUDITOR)
STATEMENT_READ = (*READ, Role.KINDERGARTEN_HEAD)  # the head sees their own kindergarten's statements


def _scope(request: HttpRequest, roles: tuple[str, ...]) -> Scope:
    scope: Scope = request.scope  # type: ignore[attr-defined]
    if scope.role not in roles:
        raise PermissionDenied(_("Your role does not allow this."))
    return scope


def _locality(scope: Scope, code: str) -> Locality:
    return scope.get(scope.localities(), locality="pk", code=code)


def _staff(request: HttpRequest) -> User:
    staff: User = request.auth  # type: ignore[attr-defined]
    return staff


def _created(request: HttpRequest, data: Schema, create: Callable[..., T]) -> Status[T]:
    """E20/E21: a rate or terms set by a department writer in one of their localities (201); `data` holds
    the locality's code and the service's other keyword arguments."""
    scope = _scope(request, WRITE)
    fields = data.dict()
    locality = _locality(scope, fields.pop("locality"))
    return Status(201, create(locality=locality, by_staff=_staff(request), **fields))


class RateOut(Schema):
    id: int
    locality: str = Field(validation_alias="locality.code")
    ownership: str
    group_kind: str
    age_from: int
    age_to: int
    stay_mode: str
    amount: Decimal
    valid_from: dt.date
    valid_until: dt.date | None
    decision_number: str


class RateIn(Schema):
    locality: str = Field(max_length=40)
    ownership: str = Field(max_length=10)
    group_kind: str = Field(max_length=20)
    age_from: int = Field(ge=0, le=7)
    age_to: int = Field(ge=1, le=8)
    stay_mode: str = Field(max_length=10)
    amount: Decimal = Field(max_digits=14, decimal_places=2)
    valid_from: dt.date
    valid_until: dt.date | None = None
    decision_number: str = Field(max_length=60)


class AmendIn(Schema):
    amount: Decimal = Field(max_digits=14, decimal_places=2)
    decision_number: str = Field(max_length=60)


class TermsIn(Schema):
    locality: str = Field(max_length=40)
    max_parent_fee: Decimal = Field(max_digits=14, decimal_places=2)
    paid_reasons: list[str] = Field(max_length=6)
    valid_from: dt.date
    valid_until: dt.date | None = None
    decision_number: str = Field(max_length=60)


class TermsOut(Schema):
    id: int
    max_parent_fee: Decimal
    paid_reasons: list[str]
    valid_from: dt.date
    valid_until: dt.date | None
    decision_number: str


class MonthIn(Schema):
    locality: str = Field(max_length=40)
    organisation: int | None = Field(default=None, ge=1, description="one kindergarten (default: all)")


class CalculatedOut(Schema):
    statements: int
    rows: int
    skipped: dict[int, str] = Field(description="kindergarten → not_locked | frozen | earlier_draft")


class FrozenOut(Schema):
    frozen: int


class MonthPath(Schema):
    month: dt.date = Field(description="the month's first day, YYYY-MM-01")


class StatementOut(Schema):
    id: int
    organisation: int = Field(validation_alias="organisation_id")
    organisation_name: str = Field(validation_alias="organisation.name")
    month: dt.date
    state: str
    children: int
    paid_days: int
    amount: Decimal
    corrections: Decimal
    total: Decimal
    missing_rates: int
    fees_above_cap: int = Field(description="E21: children whose contract fee is above the parental fee cap")
    sha256: str


class RowOut(Schema):
    id: int
    kind: str
    for_month: dt.date
    enrollment: int = Field(validation_alias="enrollment_id")
    child: str
    group: str = Field(validation_alias="group.name")
    working_days: int
    present_days: int
    paid_absence_days: int
    paid_days: int
    normative: Decimal
    amount: Decimal
    refunds: int | None = Field(validation_alias="refunds_id")

    @staticmethod
    def resolve_child(row: object) -> str:
        child = row.child  # type: ignore[attr-defined]
        return f"{child.last_name} {child.first_name}"


class StatementDetailOut(StatementOut):
    rows: list[RowOut] = Field(validation_alias="row_list")


class LocalityQuery(Schema):
    # Optional in the schema so that a role without access gets its 403 before a missing code's 422.
    locality: str | None = Field(default=None, max_length=40)


class StatementsQuery(Schema):
    month: dt.date | None = None
    locality: str | None = Field(default=None, max_length=40)


@router.get(
    "/staff/funding/rates",
    response={200: list[RateOut], **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="E20: a locality's per-capita rates with their validity",
)
def rates(request: HttpRequest, query: Query[LocalityQuery]) -> list[Rate]:
    scope = _scope(request, READ)
    if query.locality is None:
        raise ValidationFailed(_("Choose a locality."), code="locality_required")
    return list(selectors.rates_of(locality=_locality(scope, query.locality)).select_related("locality"))


@router.post(
    "/staff/funding/rates",
    response={201: RateOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="E20: a new rate from a month (ends the open rate of the same key), with the akimat's decision",
)
def rate_create(request: HttpRequest, data: RateIn) -> Status[Rate]:
    return _created(request, data, services.rate_set)


@router.post(
    "/staff/funding/rates/{rate_id}/amend",
    response={200: RateOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="E20/E26: fix a rate's amount (frozen months are corrected in the next statements)",
)
def rate_amend(request: HttpRequest, rate_id: int, data: AmendIn) -> Rate:
    scope = _scope(request, WRITE)
    rate = scope.get(Rate.objects.select_related("locality"), locality="locality", pk=rate_id)
    return services.rate_amend(
        rate=rate, amount=data.amount, decision_number=data.decision_number, by_staff=_staff(request)
    )


@router.post(
    "/staff/funding/terms",
    response={201: TermsOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="E21: the maximum parental fee and the paid absence reasons from a month",
)
def terms_create(request: HttpRequest, data: TermsIn) -> Status[Terms]:
    return _created(request, data, services.terms_set)


def _organisation(scope: Scope, locality: Locality, pk: int | None):  # type: ignore[no-untyped-def]
    if pk is None:
        return None
    return scope.get(scope.organisations().filter(locality=locality), locality="locality", pk=pk)


def _month_run(request: HttpRequest, path: MonthPath, data: MonthIn, run: Callable[..., T]) -> T:
    """E22–E27: the month's calculation or freeze by a department writer, for their locality (or one of
    its kindergartens)."""
    scope = _scope(request, WRITE)
    locality = _locality(scope, data.locality)
    return run(
        month=path.month, locality=locality, organisation=_organisation(scope, locality, data.organisation),
        by_staff=_staff(request),
    )  # fmt: skip


@router.post(
    "/staff/funding/months/{month}/calculate",
    response={200: CalculatedOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="E22–E26: calculate the draft statements of a month whose timesheets are locked",
)
def month_calculate(request: HttpRequest, path: Path[MonthPath], data: MonthIn) -> CalculatedOut:
    result = _month_run(request, path, data, services.statements_calculate)
    return CalculatedOut(statements=result.statements, rows=result.rows, skipped=result.skipped)


@router.post(
    "/staff/funding/months/{month}/freeze",
    response={200: FrozenOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="E25/E27: freeze the month's draft statements (snapshot, SHA-256 on the ledger)",
)
def month_freeze(request: HttpRequest, path: Path[MonthPath], data: MonthIn) -> FrozenOut:
    return FrozenOut(frozen=_month_run(request, path, data, services.statements_freeze))


@router.get(
    "/funding/statements",
    response={200: list[StatementOut], **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="The statements in the user's scope (a kindergarten head: their own), newest month first",
)
def statements(request: HttpRequest, query: Query[StatementsQuery]) -> list[Statement]:
    scope = _scope(request, STATEMENT_READ)
    locality = _locality(scope, query.locality) if query.locality else None
    return list(selectors.statements_in_scope(scope=scope, month=query.month, locality=locality)[:1000])


@router.get(
    "/funding/statements/{statement_id}",
    response={200: StatementDetailOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="One statement with its rows (children, days, amounts; refunds and corrections)",
)
def statement(request: HttpRequest, statement_id: int) -> Statement:
    scope = _scope(request, STATEMENT_READ)
    found = scope.get(
        Statement.objects.select_related("organisation"),
        locality="organisation__locality",
        organisation="organisation",
        pk=statement_id,
    )
    found.row_list = list(selectors.statement_rows(statement=found))  # type: ignore[attr-defined]
    return found


class OpenFundingOut(Schema):
    organisation: int = Field(validation_alias="organisation_id")
    organisation_name_kk: str = Field(validation_alias="organisation.name_kk")
    organisation_name_ru: str = Field(validation_alias="organisation.name_ru")
    month: dt.date
    paid_days: int = Field(description="paid child-days of the month")
    amount: Decimal = Field(description="the month's per-capita funding, ₸")
    corrections: Decimal = Field(description="corrections of earlier months paid with it, ₸")
    total: Decimal = Field(description="paid for the month, ₸")


class OpenFundingQuery(Schema):
    month: dt.date | None = None


@router.get(
    "/open-data/{locality}/funding",
    url_name="opendata_funding",
    response={200: list[OpenFundingOut], 404: ErrorOut, 422: ErrorOut},
    summary="E29: each kindergarten's frozen monthly per-capita funding and paid child-days (no child data)",
    tags=["open data"],
)
def open_funding(
    request: HttpRequest, path: Path[LocalityPath], query: Query[OpenFundingQuery]
) -> list[Statement]:
    locality = facilities.locality_get(code=path.locality)
    return list(selectors.open_funding(locality=locality, month=query.month)[:5000])
