"""SMS backends, chosen by the setting SMS_BACKEND (a dotted path). Email goes through Django's EMAIL_BACKEND.

A backend's `send` returns the provider's message id, or raises TemporarySendError (try again later) or
PermanentSendError (give up). `message_id` is the outbox message's public id, the same on every attempt,
so a gateway can drop a duplicate.
"""

import http.client
import json
import logging
import time
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from kezek.core.masking import mask_phone

from .errors import PermanentSendError, TemporarySendError

logger = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 64 * 1024
PROVIDER_ID_LENGTH = 100
# 4xx answers that mean "not now" rather than "never".
RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})


class BaseSmsBackend:
    def send(self, *, to: str, text: str, message_id: str) -> str:
        """Send `text` to the phone `to` ("+77XXXXXXXXX"); return the provider's message id."""
        raise NotImplementedError


def sms_backend_get() -> BaseSmsBackend:
    """A new instance of the configured SMS backend (settings are read on every call)."""
    backend_class = import_string(settings.SMS_BACKEND)
    backend: BaseSmsBackend = backend_class()
    return backend


def slowest_gateway_send() -> float:
    """Seconds the HTTP gateway may take at worst: every try times out, with the delays between tries."""
    tries = max(1, int(settings.SMS_GATEWAY_TRIES))
    timeouts = tries * (
        float(settings.SMS_GATEWAY_CONNECT_TIMEOUT) + float(settings.SMS_GATEWAY_READ_TIMEOUT)
    )
    delays = sum(float(settings.SMS_GATEWAY_RETRY_DELAY) * 2**n for n in range(tries - 1))
    return timeouts + delays


class LogSmsBackend(BaseSmsBackend):
    """Development default: the message stays in the outbox table and goes to the log, not to a phone.

    INFO shows the masked phone and the message id; the text (it may hold a code) only at DEBUG.
    """

    def send(self, *, to: str, text: str, message_id: str) -> str:
        logger.info("SMS %s to %s written to the log (not sent to a phone)", message_id, mask_phone(to))
        logger.debug("SMS %s text: %s", message_id, text)
        return f"log-{message_id}"


@dataclass(frozen=True)
class SentSms:
    to: str
    text: str
    message_id: str


class LocmemSmsBackend(BaseSmsBackend):
    """For tests: keeps the messages in `LocmemSmsBackend.outbox` (like Django's `mail.outbox`)."""

    outbox: ClassVar[list[SentSms]] = []

    def send(self, *, to: str, text: str, message_id: str) -> str:
        self.outbox.append(SentSms(to=to, text=text, message_id=message_id))
        return f"locmem-{message_id}"


class HttpSmsGateway(BaseSmsBackend):
    """POSTs JSON {to, text, id} to SMS_GATEWAY_URL with `Authorization: Bearer SMS_GATEWAY_TOKEN` and
    `Idempotency-Key: id`.

    Separate connect and read timeouts (SMS_GATEWAY_CONNECT_TIMEOUT, SMS_GATEWAY_READ_TIMEOUT; the read
    timeout bounds each wait for data, not the whole answer). Timeouts, connection errors, HTTP 5xx and
    408/425/429 are tried again within the call, SMS_GATEWAY_TRIES times in all, waiting
    SMS_GATEWAY_RETRY_DELAY seconds, doubled each time; then TemporarySendError. Other HTTP 4xx answers
    raise PermanentSendError at once. A 2xx answer's JSON "id" (or "message_id") is the provider id.
    """

    def __init__(self) -> None:
        self.url = settings.SMS_GATEWAY_URL
        self.token = settings.SMS_GATEWAY_TOKEN
        self.connect_timeout = float(settings.SMS_GATEWAY_CONNECT_TIMEOUT)
        self.read_timeout = float(settings.SMS_GATEWAY_READ_TIMEOUT)
        self.tries = max(1, int(settings.SMS_GATEWAY_TRIES))
        self.retry_delay = float(settings.SMS_GATEWAY_RETRY_DELAY)
        parts = urlsplit(self.url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http(s) URL for HttpSmsGateway.")
        self._parts = parts

    def send(self, *, to: str, text: str, message_id: str) -> str:
        body = json.dumps({"to": to, "text": text, "id": message_id}, ensure_ascii=False).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Idempotency-Key": message_id,
            "User-Agent": "kezek-notifications",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        error = TemporarySendError("SMS gateway was not tried")
        for attempt in range(1, self.tries + 1):
            try:
                status, answer = self._post(body, headers)
            except (OSError, http.client.HTTPException) as exc:  # timeouts are OSErrors too
                error = TemporarySendError(f"SMS gateway unreachable: {type(exc).__name__}")
            else:
                if 200 <= status < 300:
                    provider_id = _provider_id(answer)
                    logger.info(
                        "SMS %s to %s accepted by the gateway as %r", message_id, mask_phone(to), provider_id
                    )
                    return provider_id
                if status >= 500 or status in RETRYABLE_CLIENT_ERRORS:
                    error = TemporarySendError(f"SMS gateway answered HTTP {status}")
                else:
                    raise PermanentSendError(f"SMS gateway refused the message: HTTP {status}")
            logger.warning("SMS %s, try %s of %s: %s", message_id, attempt, self.tries, error)
            if attempt < self.tries:
                time.sleep(self.retry_delay * 2 ** (attempt - 1))
        raise error

    def _post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        parts = self._parts
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(parts.hostname or "", parts.port, timeout=self.connect_timeout)
        try:
            connection.connect()
            connection.sock.settimeout(self.read_timeout)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read(MAX_RESPONSE_BYTES)
        finally:
            connection.close()


def _provider_id(answer: bytes) -> str:
    try:
        data = json.loads(answer)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    value = data.get("id", data.get("message_id", ""))
    return str(value)[:PROVIDER_ID_LENGTH] if isinstance(value, str | int) else ""
