"""System checks: the SMS backend can be imported; the HTTP gateway has a URL; a sender's lease outlasts
the slowest send (else a second sender could take the row while the first is still sending)."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.module_loading import import_string

from .backends import slowest_gateway_send
from .services import outbox_lease_seconds

GATEWAY = "kezek.notifications.backends.HttpSmsGateway"


def check_sms_backend(**kwargs: Any) -> list[CheckMessage]:
    return _check_backend() + _check_lease()


def _check_lease() -> list[CheckMessage]:
    if settings.SMS_BACKEND != GATEWAY or outbox_lease_seconds() > slowest_gateway_send():
        return []
    return [
        Warning(
            "NOTIFICATIONS_LEASE_SECONDS is not longer than the slowest SMS gateway send "
            f"({slowest_gateway_send():.0f} s): a second sender could send a message again.",
            id="notifications.W001",
        )
    ]


def _check_backend() -> list[CheckMessage]:
    try:
        import_string(settings.SMS_BACKEND)
    except ImportError:
        return [Error(f"SMS_BACKEND {settings.SMS_BACKEND!r} cannot be imported.", id="notifications.E001")]
    if settings.SMS_BACKEND == GATEWAY:
        parts = urlsplit(settings.SMS_GATEWAY_URL)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            return [
                Error(
                    "SMS_GATEWAY_URL must be an http(s) URL when SMS_BACKEND is the HTTP gateway.",
                    id="notifications.E002",
                )
            ]
    return []
