"""System checks: the SMS backend can be imported; the HTTP gateway has a URL; a sender's lease outlasts
the slowest send (else a second sender could take the row while the first is still sending)."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.module_loading import import_string

GATEWAY = "kezek.notifications.backends.HttpSmsGateway"


def check_sms_backend(**kwargs: Any) -> list[CheckMessage]:
    return _check_backend() + _check_lease()


def slowest_gateway_send() -> float:
    """Seconds the HTTP gateway may take at worst: every try times out, with the delays between tries."""
    tries = max(1, int(settings.SMS_GATEWAY_TRIES))
    timeouts = tries * (
        float(settings.SMS_GATEWAY_CONNECT_TIMEOUT) + float(settings.SMS_GATEWAY_READ_TIMEOUT)
    )
    delays = sum(float(settings.SMS_GATEWAY_RETRY_DELAY) * 2**n for n in range(tries - 1))
    return timeouts + delays


def _check_lease() -> list[CheckMessage]:
    if (
        settings.SMS_BACKEND != GATEWAY
        or float(settings.NOTIFICATIONS_LEASE_SECONDS) > slowest_gateway_send()
    ):
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
