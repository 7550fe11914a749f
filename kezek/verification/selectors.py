"""Reads of SMS codes and of the sending throttles."""

import datetime as dt
import enum
import math
import uuid
from dataclasses import dataclass

from django.conf import settings

from kezek.core import clock

from .errors import code_not_found
from .models import PhoneCode

HOUR = dt.timedelta(hours=1)


class SendBlock(enum.StrEnum):
    """Which throttle holds back the next code."""

    RESEND_INTERVAL = "resend_interval"
    PHONE_HOURLY = "phone_hourly"
    IP_HOURLY = "ip_hourly"


@dataclass(frozen=True)
class SendWait:
    """How long until a code may be sent (0: now) and, when it must wait, the throttle that binds last."""

    seconds: int
    block: SendBlock | None = None


def phone_code_get(*, code_id: uuid.UUID | str) -> PhoneCode:
    code_uuid = as_uuid(code_id)
    code = None if code_uuid is None else PhoneCode.objects.filter(pk=code_uuid).first()
    if code is None:
        raise code_not_found()
    return code


def as_uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    """The UUID, or None for a string that is not one (a code id from a form or URL)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def phone_code_send_wait(
    *, phone: str, purpose: str, ip: str | None, now: dt.datetime | None = None
) -> SendWait:
    """How long a new code for `purpose` to this normalised phone (from this IP) must wait under the send
    throttles.

    Per phone and purpose: one code per OTP_RESEND_INTERVAL_SECONDS (a sign-in code does not hold back a
    withdrawal code); per phone: at most OTP_PHONE_HOURLY_LIMIT in any hour; per IP: at most
    OTP_IP_HOURLY_LIMIT in any hour (sliding windows over the codes' `created_at`; the hourly ceilings
    count codes of every purpose). The API uses `seconds` right after a send as `resend_after_seconds`.
    """
    now = now or clock.now()
    interval = dt.timedelta(seconds=settings.OTP_RESEND_INTERVAL_SECONDS)
    phone_limit = max(settings.OTP_PHONE_HOURLY_LIMIT, 1)
    ip_limit = max(settings.OTP_IP_HOURLY_LIMIT, 1)
    # (moment the throttle lets the next code through, throttle)
    until: list[tuple[dt.datetime, SendBlock]] = []

    of_phone = PhoneCode.objects.filter(phone=phone)
    last_of_purpose = (
        of_phone.filter(purpose=purpose, created_at__gt=now - interval)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last_of_purpose is not None:
        until.append((last_of_purpose + interval, SendBlock.RESEND_INTERVAL))
    recent = list(
        of_phone.filter(created_at__gt=now - HOUR)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:phone_limit]
    )
    if len(recent) >= phone_limit:
        # The window admits a new code once the limit-th newest code is an hour old.
        until.append((recent[phone_limit - 1] + HOUR, SendBlock.PHONE_HOURLY))
    if ip:
        from_ip = list(
            PhoneCode.objects.filter(ip=ip, created_at__gt=now - HOUR)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:ip_limit]
        )
        if len(from_ip) >= ip_limit:
            until.append((from_ip[ip_limit - 1] + HOUR, SendBlock.IP_HOURLY))

    pending = [(moment, block) for moment, block in until if moment > now]
    if not pending:
        return SendWait(seconds=0)
    moment, block = max(pending, key=lambda item: item[0])
    return SendWait(seconds=max(1, math.ceil((moment - now).total_seconds())), block=block)
