"""Feedback API: send a complaint, suggestion or corruption report; read its public status by reference.

The same services and selectors as the web pages."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from kezek.core.http import client_ip
from kezek.core.schemas import ErrorOut
from kezek.facilities import selectors as facilities
from kezek.facilities.models import Organisation

from . import selectors, services
from .models import NAME_MAX_LENGTH, TEXT_MAX_LENGTH

router = Router(tags=["feedback"])
MAX_ID = 2**63 - 1


class FeedbackIn(Schema):
    locality: str = Field(max_length=40)
    kind: Literal["organisation", "department", "suggestion", "corruption"]
    organisation: int | None = Field(default=None, ge=1, le=MAX_ID)
    # A little more than the limits, so the service's own (translated) message answers an over-long text.
    text: str = Field(max_length=TEXT_MAX_LENGTH * 2)
    contact_name: str = Field(default="", max_length=NAME_MAX_LENGTH * 2)
    phone: str = Field(default="", max_length=32)


class FeedbackStatusOut(Schema):
    """What anyone holding the reference may see (no text, name or phone of the sender)."""

    reference: str
    kind: str
    locality: str
    organisation: str | None
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    answered_at: dt.datetime | None
    answer: str


@router.post(
    "/feedback",
    response={201: FeedbackStatusOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Send a complaint, a suggestion or a corruption report (anonymous allowed for corruption)",
)
def feedback_send(request: HttpRequest, data: FeedbackIn) -> Status[selectors.PublicStatus]:
    locality = facilities.locality_get(code=data.locality)
    organisation = None
    if data.organisation is not None:
        organisation = Organisation.objects.filter(pk=data.organisation).first()
    sent = services.FeedbackInput(
        kind=data.kind,
        text=data.text,
        organisation=organisation,
        contact_name=data.contact_name,
        phone=data.phone,
    )
    if data.organisation is not None and organisation is None:  # an unknown id: with the other problems
        problems = services.feedback_problems(locality=locality, data=sent)
        problems["organisation"] = _("Choose a preschool organisation of your location.")
        raise services.FeedbackInvalid(problems)
    feedback = services.feedback_submit(
        locality=locality,
        data=sent,
        ip=client_ip(request),
    )
    return Status(201, selectors.feedback_public_status(reference=feedback.reference))


@router.get(
    "/feedback/{reference}",
    response={200: FeedbackStatusOut, 404: ErrorOut},
    summary="The public status of a message by its reference number",
)
def feedback_status(request: HttpRequest, reference: str) -> selectors.PublicStatus:
    return selectors.feedback_public_status(reference=reference)
