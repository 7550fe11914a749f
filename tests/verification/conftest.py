"""Helpers for the SMS code tests: send a code and read it back from the SMS in the outbox."""

import itertools
import re

import pytest

from kezek.notifications.models import OutboxMessage
from kezek.verification.models import PhoneCode
from kezek.verification.services import phone_code_confirm, phone_code_send

_numbers = itertools.count(1)
CODE_RE = re.compile(r"(?<![0-9])([0-9]{6})(?![0-9])")


def new_phone() -> str:
    """A fresh, normalised mobile number."""
    return f"+7701{next(_numbers):07d}"


def sms_code(phone_code: PhoneCode) -> str:
    """The code as the parent reads it in the SMS (the outbox row of this code)."""
    message = OutboxMessage.objects.get(idempotency_key=f"otp:{phone_code.id}")
    found = CODE_RE.findall(message.body)
    assert len(found) == 1, message.body
    return found[0]


def send(
    phone: str | None = None,
    *,
    purpose: str = PhoneCode.Purpose.PHONE_VERIFICATION,
    ip: str | None = "192.0.2.1",
    language: str = "ru",
    subject: str = "",
) -> tuple[PhoneCode, str]:
    """Send a code; returns the PhoneCode and the code from its SMS."""
    phone_code = phone_code_send(
        phone=phone or new_phone(), purpose=purpose, ip=ip, language=language, subject=subject
    )
    return phone_code, sms_code(phone_code)


def wrong(code: str) -> str:
    """Another 6-digit code."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def confirmed(db: None) -> PhoneCode:
    """A confirmed code for phone verification."""
    phone_code, code = send()
    return phone_code_confirm(code_id=phone_code.id, code=code)
