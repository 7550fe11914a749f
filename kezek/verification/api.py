"""Phone confirmation for the join-the-queue wizard (I4): send a code, confirm it.

Codes for the cabinet (sign-in, password reset, phone change) are sent by the cabinet's own endpoints,
to the phone on record; this endpoint only confirms a number the parent typed.
"""

from django.http import HttpRequest
from django.utils import translation
from ninja import Router, Schema, Status
from pydantic import Field

from kezek.core.http import client_ip
from kezek.core.schemas import ErrorOut

from . import services
from .models import PhoneCodePurpose
from .schemas import PhoneCodeConfirmIn, PhoneCodeConfirmOut, PhoneCodeStartOut
from .selectors import phone_code_send_wait

router = Router(tags=["phone confirmation"])


class PhoneIn(Schema):
    phone: str = Field(min_length=1, max_length=32, description="Kazakhstan mobile number, +7 7xx …")


@router.post(
    "/phone-codes",
    response={201: PhoneCodeStartOut, 422: ErrorOut, 429: ErrorOut},
    summary="Send an SMS code to confirm a phone number",
)
def phone_code_send(request: HttpRequest, data: PhoneIn) -> Status[PhoneCodeStartOut]:
    code = services.phone_code_send(
        phone=data.phone,
        purpose=PhoneCodePurpose.PHONE_VERIFICATION,
        ip=client_ip(request),
        language=translation.get_language() or "ru",
    )
    wait = phone_code_send_wait(phone=code.phone, purpose=code.purpose, ip=code.ip)
    out = PhoneCodeStartOut(code_id=code.id, expires_at=code.expires_at, resend_after_seconds=wait.seconds)
    return Status(201, out)


@router.post(
    "/phone-codes/confirm",
    response={200: PhoneCodeConfirmOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Confirm a phone number with the code from the SMS",
)
def phone_code_confirm(request: HttpRequest, data: PhoneCodeConfirmIn) -> PhoneCodeConfirmOut:
    code = services.phone_code_confirm(code_id=data.code_id, code=data.code)
    return PhoneCodeConfirmOut(code_id=code.id, confirmed=code.confirmed_at is not None)
