"""Place exchange API (E70–E78): the parent's offers, the receiving heads' decisions, the public protocol."""

import datetime as dt

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from pydantic import Field

from kezek.cabinet.api import cabinet_auth
from kezek.core.auth import SIGNED_IN_ERRORS
from kezek.core.errors import PermissionDenied
from kezek.core.schemas import ErrorOut
from kezek.staff.auth import staff_auth
from kezek.staff.models import Role
from kezek.waitlist.models import Applicant

from . import selectors, services
from .models import CHOICES_MAX, Exchange, ExchangeOffer

router = Router(tags=["exchange"])


class ExchangeOfferIn(Schema):
    enrollment: int = Field(
        description="Your enrolled child's enrolment (see GET /cabinet/exchange/children)"
    )
    kindergartens: list[int] = Field(
        min_length=1, max_length=CHOICES_MAX, description="Kindergartens you accept, best first"
    )
    age_from: int | None = Field(None, ge=0, le=7, description="Wanted group's ages (default: your group's)")
    age_to: int | None = Field(None, ge=1, le=8)
    language: str | None = Field(None, max_length=2, description="Wanted group's language (default: yours)")


class ExchangeChildOut(Schema):
    enrollment: int
    group: int
    organisation: int
    age_from: int
    age_to: int
    language: str


class ExchangeOfferOut(Schema):
    id: int
    enrollment: int
    group: int
    organisation: int
    age_from: int
    age_to: int
    language: str
    kindergartens: list[int]
    status: str
    created_at: dt.datetime
    exchange: int | None = Field(description="The latest exchange the offer was proposed in")
    exchange_status: str | None
    to_group: int | None = Field(description="The group the child moves (or moved) into")


class ExchangeStepOut(Schema):
    from_group: int
    from_organisation: int
    to_group: int
    to_organisation: int
    decision: str | None = Field(description="The receiving head's decision (for that head only)")


class ExchangeOut(Schema):
    id: int
    round: int
    length: int
    status: str
    dropped: str
    proposed_at: dt.datetime
    accept_until: dt.datetime
    steps: list[ExchangeStepOut]


def _offer_out(offer: ExchangeOffer) -> ExchangeOfferOut:
    move = next(iter(offer.moves.all()), None)
    return ExchangeOfferOut(
        id=offer.pk,
        enrollment=offer.enrollment_id,
        group=offer.group_id,
        organisation=offer.group.organisation_id,
        age_from=offer.age_from,
        age_to=offer.age_to,
        language=offer.language,
        kindergartens=[choice.organisation_id for choice in offer.choices.all()],
        status=offer.status,
        created_at=offer.created_at,
        exchange=move.exchange_id if move else None,
        exchange_status=move.exchange.status if move else None,
        to_group=move.to_group_id if move else None,
    )


def _exchange_out(exchange: Exchange, *, organisation_id: int | None = None) -> ExchangeOut:
    return ExchangeOut(
        id=exchange.pk,
        round=exchange.round_id,
        length=exchange.length,
        status=exchange.status,
        dropped=exchange.dropped,
        proposed_at=exchange.proposed_at,
        accept_until=exchange.accept_until,
        steps=[
            ExchangeStepOut(
                from_group=m.from_group_id,
                from_organisation=m.from_group.organisation_id,
                to_group=m.to_group_id,
                to_organisation=m.to_group.organisation_id,
                decision=m.decision if m.to_group.organisation_id == organisation_id else None,
            )
            for m in exchange.moves.all()
        ],
    )


def _applicant(request: HttpRequest) -> Applicant:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    return applicant


@router.get(
    "/cabinet/exchange/children",
    response={200: list[ExchangeChildOut], 401: ErrorOut},
    auth=cabinet_auth,
    summary="My enrolled children whose seats may be offered",
)
def exchange_children(request: HttpRequest) -> list[ExchangeChildOut]:
    return [
        ExchangeChildOut(
            enrollment=e.pk,
            group=e.group_id,
            organisation=e.group.organisation_id,
            age_from=e.group.age_from,
            age_to=e.group.age_to,
            language=e.group.language,
        )
        for e in selectors.enrollments_of(applicant=_applicant(request))
    ]


@router.get(
    "/cabinet/exchange/offers",
    response={200: list[ExchangeOfferOut], 401: ErrorOut},
    auth=cabinet_auth,
    summary="My exchange offers and their results",
)
def exchange_offers(request: HttpRequest) -> list[ExchangeOfferOut]:
    return [_offer_out(offer) for offer in selectors.offers_of(applicant=_applicant(request))]


@router.post(
    "/cabinet/exchange/offers",
    response={201: ExchangeOfferOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Offer my child's seat for an exchange, ranking the kindergartens I accept",
)
def exchange_offer_make(request: HttpRequest, data: ExchangeOfferIn) -> Status[ExchangeOfferOut]:
    offer = services.offer_make(
        applicant=_applicant(request),
        enrollment_id=data.enrollment,
        kindergartens=data.kindergartens,
        age_from=data.age_from,
        age_to=data.age_to,
        language=data.language,
    )
    return Status(201, _offer_out(selectors.offer_of(applicant=_applicant(request), pk=offer.pk)))


@router.post(
    "/cabinet/exchange/offers/{offer_id}/withdraw",
    response={200: ExchangeOfferOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="Withdraw my offer (while it waits for a round)",
)
def exchange_offer_withdraw(request: HttpRequest, offer_id: int) -> ExchangeOfferOut:
    services.offer_withdraw(applicant=_applicant(request), offer_id=offer_id)
    return _offer_out(selectors.offer_of(applicant=_applicant(request), pk=offer_id))


def _head_organisation(request: HttpRequest) -> int:
    """E74: only a kindergarten's head decides on exchanges into it."""
    scope = request.scope  # type: ignore[attr-defined]
    if scope.role != Role.KINDERGARTEN_HEAD or scope.organisation_id is None:
        raise PermissionDenied(_("Only the kindergarten's head decides on exchanges."), code="not_head")
    organisation_id: int = scope.organisation_id
    return organisation_id


@router.get(
    "/staff/exchanges",
    response={200: list[ExchangeOut], **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Head: the exchanges that move children into my kindergarten",
)
def staff_exchanges(request: HttpRequest) -> list[ExchangeOut]:
    organisation_id = _head_organisation(request)
    return [
        _exchange_out(e, organisation_id=organisation_id)
        for e in selectors.proposals_for(organisation_id=organisation_id)[:200]
    ]


def _decide(request: HttpRequest, exchange_id: int, *, accept: bool) -> ExchangeOut:
    organisation_id = _head_organisation(request)
    staff: User = request.auth  # type: ignore[attr-defined]
    services.exchange_decide(
        exchange_id=exchange_id, organisation_id=organisation_id, by_staff=staff, accept=accept
    )
    exchange = selectors.proposals_for(organisation_id=organisation_id).get(pk=exchange_id)
    return _exchange_out(exchange, organisation_id=organisation_id)


@router.post(
    "/staff/exchanges/{exchange_id}/accept",
    response={200: ExchangeOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Head: accept the children an exchange moves into my kindergarten (before the deadline)",
)
def staff_exchange_accept(request: HttpRequest, exchange_id: int) -> ExchangeOut:
    return _decide(request, exchange_id, accept=True)


@router.post(
    "/staff/exchanges/{exchange_id}/decline",
    response={200: ExchangeOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Head: decline an exchange (it is dropped and its round runs again without this step)",
)
def staff_exchange_decline(request: HttpRequest, exchange_id: int) -> ExchangeOut:
    return _decide(request, exchange_id, accept=False)


@router.get(
    "/exchange/protocol",
    response={200: list[ExchangeOut], 422: ErrorOut},
    summary="The public protocol of completed place exchanges (no child data)",
)
def exchange_protocol(request: HttpRequest, locality: int | None = None) -> list[ExchangeOut]:
    return [_exchange_out(e) for e, _steps in selectors.protocol(locality_id=locality)]
