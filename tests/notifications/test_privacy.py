"""Logs never hold a full phone number; codes only at DEBUG. The admin is read-only and masks phones."""

import logging

import pytest
from django.db import transaction
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from kezek.core.masking import mask_email, mask_iin, mask_name, mask_phone
from kezek.notifications.errors import TemporarySendError
from kezek.notifications.models import OutboxMessage
from kezek.notifications.services import notification_enqueue, outbox_deliver
from tests.factories import OutboxMessageFactory
from tests.notifications.fakes import ScriptedSmsBackend

PHONE = "+77011234567"
SPELLINGS = ("77011234567", "7011234567", "701 123 45 67", "701-123-45-67", "1234567")


def assert_no_phone(text: str) -> None:
    for spelling in SPELLINGS:
        assert spelling not in text


@pytest.mark.django_db
def test_the_log_backend_logs_the_masked_phone_and_the_code_only_at_debug(
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.SMS_BACKEND = "kezek.notifications.backends.LogSmsBackend"

    with (
        caplog.at_level(logging.DEBUG),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        message = notification_enqueue(
            channel="sms",
            recipient=PHONE,
            language="en",
            template="phone_code",
            context={"code": "482910", "minutes": 5},
            idempotency_key="otp:42",
        )

    assert_no_phone(caplog.text)
    backend_records = [r for r in caplog.records if r.name == "kezek.notifications.backends"]
    info = [r.getMessage() for r in backend_records if r.levelno >= logging.INFO]
    debug = [r.getMessage() for r in backend_records if r.levelno == logging.DEBUG]
    assert info == [f"SMS {message.public_id} to +7 701 *** ** 67 written to the log (not sent to a phone)"]
    assert all("482910" not in line for line in info)
    assert any("482910" in line for line in debug)  # developers can read the code at DEBUG
    assert all("482910" not in r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)


@pytest.mark.django_db
def test_failures_log_no_phone(caplog: pytest.LogCaptureFixture, sms: type[ScriptedSmsBackend]) -> None:
    sms.script.extend([TemporarySendError("SMS gateway answered HTTP 502"), ValueError(f"boom {PHONE}")])
    message = OutboxMessageFactory.create(recipient=PHONE)

    with caplog.at_level(logging.DEBUG):
        outbox_deliver(message_id=message.pk)
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
        outbox_deliver(message_id=message.pk)

    assert "+7 701 *** ** 67" in caplog.text
    assert "unexpected ValueError while sending" in caplog.text
    assert "outbox_deliver" in caplog.text  # the stack is there for developers
    assert_no_phone(caplog.text)  # with any traceback
    records = [r for r in caplog.records if r.name.startswith("kezek")]
    assert records
    for record in records:
        assert_no_phone(record.getMessage())
    message.refresh_from_db()
    assert_no_phone(message.last_error)


@pytest.mark.django_db
def test_email_addresses_are_masked_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    message = OutboxMessageFactory.create(email=True, recipient="aigerim.n@example.kz")

    with caplog.at_level(logging.DEBUG):
        outbox_deliver(message_id=message.pk)

    assert "aigerim" not in caplog.text
    assert "a***@example.kz" in caplog.text


def test_admin_lists_masked_phones_and_cannot_change(admin_client: Client) -> None:
    message = OutboxMessageFactory.create(recipient=PHONE)
    OutboxMessageFactory.create(email=True, recipient="aigerim.n@example.kz")

    changelist = admin_client.get("/admin/notifications/outboxmessage/")
    assert changelist.status_code == 200
    content = changelist.content.decode()
    assert "+7 701 *** ** 67" in content
    assert "a***@example.kz" in content
    assert_no_phone(content)
    assert "aigerim" not in content

    detail = admin_client.get(f"/admin/notifications/outboxmessage/{message.pk}/change/")
    assert detail.status_code == 200
    assert_no_phone(detail.content.decode())
    assert admin_client.get("/admin/notifications/outboxmessage/add/").status_code == 403
    response = admin_client.post(f"/admin/notifications/outboxmessage/{message.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert OutboxMessage.objects.filter(pk=message.pk).exists()


@pytest.mark.parametrize(
    ("phone", "masked"), [("+77011234567", "+7 701 *** ** 67"), ("87011234567", "***"), ("", "***")]
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("iin", "masked"),
    [("050312345629", "0503******29"), (" 050312345629 ", "0503******29"), ("12345", "***")],
)
def test_mask_iin(iin: str, masked: str) -> None:
    assert mask_iin(iin) == masked


@pytest.mark.parametrize(
    ("parts", "masked"),
    [
        (("Иванов", "Алексей", "Борисович"), "Иванов А. Б."),
        (("Серікбаев", "әсет", ""), "Серікбаев Ә."),
        (("Smith", "", ""), "Smith"),
        ((" Ким ", " Ольга ", " "), "Ким О."),
    ],
)
def test_mask_name(parts: tuple[str, str, str], masked: str) -> None:
    assert mask_name(*parts) == masked


@pytest.mark.parametrize(
    ("email", "masked"), [("aigerim.n@example.kz", "a***@example.kz"), ("nobody", "***"), ("@x.kz", "***")]
)
def test_mask_email(email: str, masked: str) -> None:
    assert mask_email(email) == masked


@pytest.mark.django_db
def test_admin_hides_the_digits_of_one_time_codes(admin_client: Client) -> None:
    with transaction.atomic():
        message = notification_enqueue(
            channel="sms",
            recipient="+77011234567",
            language="ru",
            template="phone_code",
            context={"code": "482913", "minutes": 5},
            idempotency_key="otp:admin-test",
        )
    html = admin_client.get(f"/admin/notifications/outboxmessage/{message.pk}/change/").content.decode()
    assert "482913" not in html
    assert "••••••" in html
