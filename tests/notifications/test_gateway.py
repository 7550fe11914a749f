"""The HTTP SMS gateway backend against a fake gateway: a real HTTP server on 127.0.0.1 (ephemeral port)."""

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from pytest_django import Settings

from kezek.notifications.backends import HttpSmsGateway
from kezek.notifications.errors import PermanentSendError, TemporarySendError
from kezek.notifications.models import OutboxStatus
from kezek.notifications.services import outbox_deliver
from tests.factories import OutboxMessageFactory
from tests.notifications.fakes import FakeGateway, Reply, fake_gateway

PHONE = "+77011234567"
MESSAGE_ID = "6f1c1f2e-2f5b-4d51-9b7e-0c1a4b7f9a10"


@pytest.fixture
def gateway(settings: Settings) -> Iterator[FakeGateway]:
    with fake_gateway() as fake:
        settings.SMS_BACKEND = "kezek.notifications.backends.HttpSmsGateway"
        settings.SMS_GATEWAY_URL = fake.url
        settings.SMS_GATEWAY_TOKEN = "test-token"
        settings.SMS_GATEWAY_CONNECT_TIMEOUT = 1
        settings.SMS_GATEWAY_READ_TIMEOUT = 0.3
        settings.SMS_GATEWAY_TRIES = 3
        settings.SMS_GATEWAY_RETRY_DELAY = 0.01
        yield fake


def send(text: str = "Kezek: your confirmation code is 123456") -> str:
    return HttpSmsGateway().send(to=PHONE, text=text, message_id=MESSAGE_ID)


def test_posts_json_with_a_bearer_token_and_the_idempotency_key(gateway: FakeGateway) -> None:
    assert send("Kezek: код 123456") == "gw-1"

    [request] = gateway.received
    assert request.path == "/v1/sms"
    assert request.json == {"to": PHONE, "text": "Kezek: код 123456", "id": MESSAGE_ID}
    assert request.headers["authorization"] == "Bearer test-token"
    assert request.headers["idempotency-key"] == MESSAGE_ID
    assert request.headers["content-type"].startswith("application/json")


def test_no_authorization_header_without_a_token(gateway: FakeGateway, settings: Settings) -> None:
    settings.SMS_GATEWAY_TOKEN = ""
    send()
    assert "authorization" not in gateway.received[0].headers


def test_a_5xx_is_tried_again_within_the_send(gateway: FakeGateway) -> None:
    gateway.script.extend([Reply(500), Reply(503)])

    assert send() == "gw-1"

    assert len(gateway.received) == 3
    assert {request.headers["idempotency-key"] for request in gateway.received} == {MESSAGE_ID}


def test_5xx_every_time_is_a_temporary_failure(gateway: FakeGateway) -> None:
    gateway.script.extend([Reply(500), Reply(502), Reply(500), Reply(200)])

    with pytest.raises(TemporarySendError, match="HTTP 500"):
        send()
    assert len(gateway.received) == 3  # SMS_GATEWAY_TRIES


def test_a_hanging_gateway_times_out_and_is_tried_again(gateway: FakeGateway) -> None:
    gateway.script.extend([Reply(hang=5), Reply(200)])
    started = time.monotonic()

    assert send() == "gw-1"

    assert time.monotonic() - started < 2
    assert len(gateway.received) == 2


def test_a_gateway_that_always_hangs_is_a_temporary_failure(gateway: FakeGateway) -> None:
    gateway.script.extend([Reply(hang=5)] * 3)
    started = time.monotonic()

    with pytest.raises(TemporarySendError, match="TimeoutError"):
        send()

    assert time.monotonic() - started < 3  # 3 × 0.3 s read timeout + short delays, not 3 × 5 s
    assert len(gateway.received) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_a_4xx_is_a_permanent_failure_without_retries(gateway: FakeGateway, status: int) -> None:
    gateway.script.append(Reply(status))

    with pytest.raises(PermanentSendError, match=f"HTTP {status}"):
        send()
    assert len(gateway.received) == 1


def test_429_is_tried_again(gateway: FakeGateway) -> None:
    gateway.script.append(Reply(429))
    assert send() == "gw-1"
    assert len(gateway.received) == 2


def test_a_refused_connection_is_a_temporary_failure(settings: Settings) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{port}/sms"
    settings.SMS_GATEWAY_TRIES = 2
    settings.SMS_GATEWAY_RETRY_DELAY = 0.01

    with pytest.raises(TemporarySendError, match="ConnectionRefusedError"):
        send()


@pytest.mark.parametrize(
    ("body", "provider_id"),
    [({"message_id": 12345}, "12345"), ({"status": "ok"}, ""), ({"id": "x" * 300}, "x" * 100)],
)
def test_the_provider_id_is_read_from_the_answer(gateway: FakeGateway, body: dict, provider_id: str) -> None:
    gateway.script.append(Reply(200, body=body))
    assert send() == provider_id


def test_a_url_that_is_not_http_is_a_configuration_error(settings: Settings) -> None:
    settings.SMS_GATEWAY_URL = "ftp://gateway.example.kz/sms"
    with pytest.raises(ImproperlyConfigured):
        HttpSmsGateway()


def test_system_checks(settings: Settings) -> None:
    settings.SMS_GATEWAY_CONNECT_TIMEOUT = 3
    settings.SMS_GATEWAY_READ_TIMEOUT = 10
    settings.SMS_GATEWAY_TRIES = 3
    settings.SMS_GATEWAY_RETRY_DELAY = 0.5
    settings.SMS_BACKEND = "kezek.notifications.backends.HttpSmsGateway"
    settings.SMS_GATEWAY_URL = ""
    assert "notifications.E002" in {message.id for message in run_checks()}
    settings.SMS_GATEWAY_URL = "https://sms.example.kz/api/send"
    assert "notifications.E002" not in {message.id for message in run_checks()}
    settings.NOTIFICATIONS_LEASE_SECONDS = 40  # 3 × (3 + 10) s + 0.5 s + 1 s = 40.5 s
    assert "notifications.W001" in {message.id for message in run_checks()}
    settings.NOTIFICATIONS_LEASE_SECONDS = 41
    assert "notifications.W001" not in {message.id for message in run_checks()}
    settings.NOTIFICATIONS_LEASE_SECONDS = None  # unset: derived from the gateway's settings, longer
    assert "notifications.W001" not in {message.id for message in run_checks()}
    settings.SMS_BACKEND = "kezek.notifications.backends.NoSuchBackend"
    assert "notifications.E001" in {message.id for message in run_checks()}


# --- through the outbox -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_outbox_over_the_gateway_500_then_200(gateway: FakeGateway) -> None:
    message = OutboxMessageFactory.create(recipient=PHONE)
    gateway.script.append(Reply(500))

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT

    message.refresh_from_db()
    assert message.provider_message_id == "gw-1"
    assert message.attempts == 1
    assert [request.json["id"] for request in gateway.received] == [str(message.public_id)] * 2


@pytest.mark.django_db
def test_outbox_over_the_gateway_400_fails_for_good(gateway: FakeGateway) -> None:
    message = OutboxMessageFactory.create(recipient=PHONE)
    gateway.script.append(Reply(400, body={"error": f"bad number {PHONE}"}))

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.FAILED

    message.refresh_from_db()
    assert message.last_error == "SMS gateway refused the message: HTTP 400"


@pytest.mark.django_db
def test_outbox_over_a_hanging_gateway_retries_later(
    gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    message = OutboxMessageFactory.create(recipient=PHONE)
    gateway.script.extend([Reply(hang=5)] * 3)

    with caplog.at_level(logging.DEBUG):
        assert outbox_deliver(message_id=message.pk) == OutboxStatus.RETRY

    message.refresh_from_db()
    assert message.status == OutboxStatus.RETRY
    assert message.last_error == "SMS gateway unreachable: TimeoutError"
    assert PHONE[1:] not in caplog.text
    assert "+7 701 *** ** 67" in caplog.text


@pytest.mark.django_db
def test_a_duplicate_reaching_the_gateway_is_dropped_by_its_idempotency_key(gateway: FakeGateway) -> None:
    """A sender crashed after the gateway accepted the message; the next sender sends the same id."""
    message = OutboxMessageFactory.create(recipient=PHONE)
    HttpSmsGateway().send(to=PHONE, text=message.body, message_id=str(message.public_id))  # the lost attempt

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT

    message.refresh_from_db()
    assert len(gateway.received) == 2
    assert len(gateway.delivered) == 1
    assert message.provider_message_id == "gw-1"
