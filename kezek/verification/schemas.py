"""API schemas of the SMS code steps (the endpoints are wired in the API of the step that needs them).

Filling `PhoneCodeStartOut` after `phone_code_send`: `code_id=code.id, expires_at=code.expires_at,
resend_after_seconds=phone_code_send_wait(phone=code.phone, purpose=code.purpose, ip=code.ip).seconds`.
"""

import datetime as dt
import uuid
from typing import Literal

from ninja import Schema
from pydantic import Field

# The values of models.PhoneCodePurpose (a test keeps them equal).
PurposeLiteral = Literal[
    "phone_verification", "cabinet_login", "phone_change", "password_reset", "withdrawal"
]


class PhoneCodeStartIn(Schema):
    phone: str = Field(
        min_length=1, max_length=32, description="Kazakhstan mobile number, e.g. +7 701 234 56 78"
    )
    purpose: PurposeLiteral


class PhoneCodeStartOut(Schema):
    code_id: uuid.UUID = Field(description="Handle of the code; send it back with the code from the SMS")
    expires_at: dt.datetime
    resend_after_seconds: int = Field(ge=0, description="Seconds until a new code may be requested")


class PhoneCodeConfirmIn(Schema):
    code_id: uuid.UUID
    code: str = Field(pattern=r"^[0-9]{6}$", description="The 6 digits from the SMS")


class PhoneCodeConfirmOut(Schema):
    code_id: uuid.UUID
    confirmed: bool
