"""Voucher API for the parent (E30–E37): my vouchers, confirm, refuse, restore, extend, sign (or wait)."""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from pydantic import Field

from kezek.cabinet.api import cabinet_auth
from kezek.core.auth import SIGNED_IN_ERRORS
from kezek.core.errors import NotFound
from kezek.core.schemas import ErrorOut
from kezek.facilities.models import Organisation
from kezek.waitlist.models import Applicant

from . import selectors, services
from .models import Voucher

router = Router(tags=["vouchers"])


class VoucherOut(Schema):
    number: int
    application: int
    state: str
    issued_at: dt.datetime
    confirm_until: dt.datetime
    contract_until: dt.datetime | None
    extended: bool
    waiting_organisation: int | None
    direction: int | None
    restore_until: dt.datetime | None


def _out(voucher: Voucher) -> VoucherOut:
    state = selectors.voucher_state(voucher)
    return VoucherOut(
        number=voucher.pk,
        application=voucher.application_id,
        state=state,
        issued_at=voucher.issued_at,
        confirm_until=voucher.confirm_until,
        contract_until=voucher.contract_until,
        extended=voucher.extended,
        waiting_organisation=voucher.waiting_organisation_id,
        direction=voucher.direction_id,
        restore_until=selectors.restore_until(voucher) if state == Voucher.State.LAPSED else None,
    )


def _own(request: HttpRequest, number: int) -> tuple[Applicant, Voucher]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    return applicant, selectors.voucher_of(applicant=applicant, number=number)


@router.get(
    "/cabinet/vouchers",
    response={200: list[VoucherOut], 401: ErrorOut},
    auth=cabinet_auth,
    summary="My vouchers",
)
def my_vouchers(request: HttpRequest) -> list[VoucherOut]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    return [_out(v) for v in selectors.vouchers_of(applicant=applicant)]


@router.post(
    "/cabinet/vouchers/{number}/confirm",
    response={200: VoucherOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Confirm my voucher (within 2 working days)",
)
def voucher_confirm(request: HttpRequest, number: int) -> VoucherOut:
    applicant, voucher = _own(request, number)
    return _out(services.voucher_confirm(voucher=voucher, applicant=applicant))


@router.post(
    "/cabinet/vouchers/{number}/refuse",
    response={200: VoucherOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Refuse my voucher (the application leaves the queue)",
)
def voucher_refuse(request: HttpRequest, number: int) -> VoucherOut:
    applicant, voucher = _own(request, number)
    return _out(services.voucher_refuse(voucher=voucher, applicant=applicant))


@router.post(
    "/cabinet/vouchers/{number}/restore",
    response={200: VoucherOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Restore the application of my lapsed voucher (once, within 28 days)",
)
def voucher_restore(request: HttpRequest, number: int) -> VoucherOut:
    applicant, voucher = _own(request, number)
    return _out(services.voucher_restore(voucher=voucher, applicant=applicant))


class ExtendIn(Schema):
    days: int = Field(default=services.EXTENSION_MAX_DAYS, ge=1, le=services.EXTENSION_MAX_DAYS)


@router.post(
    "/cabinet/vouchers/{number}/extend",
    response={200: VoucherOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Extend my contract deadline once (up to 30 days)",
)
def voucher_extend(request: HttpRequest, number: int, data: ExtendIn) -> VoucherOut:
    applicant, voucher = _own(request, number)
    return _out(services.voucher_extend(voucher=voucher, applicant=applicant, days=data.days))


class SignIn(Schema):
    organisation: int = Field(ge=1)
    wait: bool = False


@router.post(
    "/cabinet/vouchers/{number}/contract",
    response={200: VoucherOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Sign the contract with a kindergarten (or wait on its list when it is full and `wait`)",
)
def voucher_sign(request: HttpRequest, number: int, data: SignIn) -> VoucherOut:
    applicant, voucher = _own(request, number)
    organisation = Organisation.objects.filter(pk=data.organisation).first()
    if organisation is None:
        raise NotFound(_("Kindergarten not found."))
    return _out(
        services.voucher_sign(voucher=voucher, applicant=applicant, organisation=organisation, wait=data.wait)
    )
