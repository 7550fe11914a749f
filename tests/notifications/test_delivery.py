"""Sending: one conditional UPDATE claims a row, failures back off, a crashed sender's lease expires."""

import datetime as dt
import importlib
import smtplib
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import Settings
from time_machine import TimeMachineFixture

from kezek.notifications.errors import PermanentSendError, TemporarySendError
from kezek.notifications.models import OutboxMessage, OutboxStatus
from kezek.notifications.services import outbox_deliver, outbox_lease_seconds
from tests.factories import OutboxMessageFactory
from tests.notifications.fakes import ScriptedSmsBackend

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(START, tick=False)
    return time_machine


def test_a_pending_message_is_sent(sms: type[ScriptedSmsBackend]) -> None:
    message = OutboxMessageFactory.create()

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.locked_until is None
    assert message.lease_token == ""
    assert [sent.message_id for sent in sms.sent] == [str(message.public_id)]
    assert outbox_deliver(message_id=message.pk) is None
    assert len(sms.sent) == 1


def test_the_claim_is_one_conditional_update() -> None:
    message = OutboxMessageFactory.create(status=OutboxStatus.SENT, sent_at=START)

    with CaptureQueriesContext(connection) as queries:
        assert outbox_deliver(message_id=message.pk) is None

    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert sql.startswith("UPDATE")
    assert '"status" IN' in sql
    assert '"next_attempt_at" <=' in sql
    assert '"locked_until" <' in sql


def test_a_sender_that_finds_the_row_claimed_does_not_send(sms: type[ScriptedSmsBackend]) -> None:
    """A second sender arriving while the first is sending (same thread here, so it runs on SQLite too)."""
    message = OutboxMessageFactory.create()
    second: list[OutboxStatus | None] = []
    sms.script.append(lambda message_id: second.append(outbox_deliver(message_id=message.pk)))

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT

    assert second == [None]
    assert len(sms.sent) == 1


def test_not_due_yet_is_not_sent(clock: TimeMachineFixture, sms: type[ScriptedSmsBackend]) -> None:
    message = OutboxMessageFactory.create(next_attempt_at=START + dt.timedelta(minutes=1))

    assert outbox_deliver(message_id=message.pk) is None
    clock.shift(dt.timedelta(minutes=1))
    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT
    assert len(sms.sent) == 1


def test_temporary_failures_back_off_exponentially_then_fail_for_good(
    clock: TimeMachineFixture, sms: type[ScriptedSmsBackend]
) -> None:
    message = OutboxMessageFactory.create()
    sms.script.extend(TemporarySendError(f"SMS gateway answered HTTP 50{n}") for n in range(5))
    waits = []

    for attempt in range(1, 5):
        assert outbox_deliver(message_id=message.pk) == OutboxStatus.RETRY
        message.refresh_from_db()
        assert message.attempts == attempt
        assert message.locked_until is None
        assert message.last_error == f"SMS gateway answered HTTP 50{attempt - 1}"
        waits.append(message.next_attempt_at - dt.datetime.now(tz=dt.UTC))
        assert outbox_deliver(message_id=message.pk) is None  # not due yet
        clock.move_to(message.next_attempt_at, tick=False)

    assert waits == [dt.timedelta(seconds=60 * 2**n) for n in range(4)]
    assert outbox_deliver(message_id=message.pk) == OutboxStatus.FAILED
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == 5
    clock.shift(dt.timedelta(days=1))
    assert outbox_deliver(message_id=message.pk) is None
    assert sms.sent == []


def test_backoff_is_capped(
    settings: Settings, clock: TimeMachineFixture, sms: type[ScriptedSmsBackend]
) -> None:
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 10
    settings.NOTIFICATIONS_RETRY_MAX_DELAY = 300
    message = OutboxMessageFactory.create(attempts=6, status=OutboxStatus.RETRY)
    sms.script.append(TemporarySendError("timeout"))

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.RETRY
    message.refresh_from_db()
    assert message.next_attempt_at == START + dt.timedelta(seconds=300)


def test_a_retry_succeeds(clock: TimeMachineFixture, sms: type[ScriptedSmsBackend]) -> None:
    message = OutboxMessageFactory.create()
    sms.script.append(TemporarySendError("SMS gateway unreachable: TimeoutError"))

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.RETRY
    clock.shift(dt.timedelta(seconds=60))
    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT

    message.refresh_from_db()
    assert message.attempts == 2
    assert message.last_error == ""
    assert len(sms.sent) == 1


def test_a_permanent_failure_gives_up_at_once(sms: type[ScriptedSmsBackend]) -> None:
    message = OutboxMessageFactory.create()
    sms.script.append(PermanentSendError("SMS gateway refused the message: HTTP 400"))

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.FAILED

    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == 1
    assert message.last_error == "SMS gateway refused the message: HTTP 400"


def test_an_unexpected_error_is_retried_and_its_text_not_stored(sms: type[ScriptedSmsBackend]) -> None:
    message = OutboxMessageFactory.create(recipient="+77051112233")
    sms.script.append(ValueError("cannot send to +77051112233"))

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.RETRY

    message.refresh_from_db()
    assert message.last_error == "unexpected ValueError"


def test_a_crashed_sender_leaves_the_row_until_its_lease_expires(
    clock: TimeMachineFixture, sms: type[ScriptedSmsBackend]
) -> None:
    message = OutboxMessageFactory.create()
    sms.script.append(SystemExit("the worker was killed mid-send"))

    with pytest.raises(SystemExit):
        outbox_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENDING
    assert message.locked_until == START + dt.timedelta(seconds=300)
    clock.shift(dt.timedelta(seconds=299))
    assert outbox_deliver(message_id=message.pk) is None  # the lease still holds
    clock.shift(dt.timedelta(seconds=2))
    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT
    message.refresh_from_db()
    assert message.attempts == 2
    assert [sent.message_id for sent in sms.sent] == [str(message.public_id)]


def test_by_default_a_killed_senders_message_waits_about_a_minute(
    clock: TimeMachineFixture, sms: type[ScriptedSmsBackend], settings: Settings
) -> None:
    """Unset, the lease is the slowest SMS gateway send (3 × (3 + 10) + 0.5 + 1 = 40.5 s with the default
    gateway settings) plus 20 s — not five minutes (issue 15, item 8)."""
    shipped = importlib.import_module("config.settings.notifications")  # conftest sets 300 s
    settings.NOTIFICATIONS_LEASE_SECONDS = shipped.NOTIFICATIONS_LEASE_SECONDS
    settings.SMS_GATEWAY_CONNECT_TIMEOUT = 3
    settings.SMS_GATEWAY_READ_TIMEOUT = 10
    settings.SMS_GATEWAY_TRIES = 3
    settings.SMS_GATEWAY_RETRY_DELAY = 0.5
    message = OutboxMessageFactory.create()
    sms.script.append(SystemExit("the worker was killed mid-send"))
    with pytest.raises(SystemExit):
        outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.locked_until == START + dt.timedelta(seconds=60.5)
    clock.shift(dt.timedelta(seconds=60))
    assert outbox_deliver(message_id=message.pk) is None  # the lease still holds
    clock.shift(dt.timedelta(seconds=1))
    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT
    settings.SMS_GATEWAY_TRIES = 1  # a faster gateway, a shorter lease
    assert outbox_lease_seconds() == 3 + 10 + 20


def test_a_sender_whose_lease_was_taken_does_not_overwrite_the_new_owner(
    clock: TimeMachineFixture, sms: type[ScriptedSmsBackend]
) -> None:
    """The first sender is so slow that its lease expires and a second sender takes over: the gateway gets
    the same id twice (and can drop the duplicate); the row records the second sender's outcome only."""
    message = OutboxMessageFactory.create()
    outcomes: list[OutboxStatus | None] = []

    def stall(message_id: str) -> None:
        clock.shift(dt.timedelta(seconds=301))
        sms.script.append(PermanentSendError("HTTP 400"))
        outcomes.append(outbox_deliver(message_id=message.pk))

    sms.script.append(stall)
    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT

    assert outcomes == [OutboxStatus.FAILED]
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED  # the first sender's late "sent" did not overwrite it
    assert message.attempts == 2


class RefusingEmailBackend(BaseEmailBackend):
    error: Exception = smtplib.SMTPRecipientsRefused({"x@example.kz": (550, b"no such user")})

    def send_messages(self, email_messages: Any) -> int:
        raise self.error


class SilentEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        return 0


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (smtplib.SMTPRecipientsRefused({"x@example.kz": (550, b"no such user")}), OutboxStatus.FAILED),
        (smtplib.SMTPServerDisconnected("bye"), OutboxStatus.RETRY),
        (ConnectionRefusedError(111, "refused"), OutboxStatus.RETRY),
    ],
)
def test_email_failures(settings: Settings, error: Exception, status: OutboxStatus) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.RefusingEmailBackend"
    RefusingEmailBackend.error = error
    message = OutboxMessageFactory.create(email=True)

    assert outbox_deliver(message_id=message.pk) == status
    message.refresh_from_db()
    assert "@" not in message.last_error


def test_an_email_backend_that_sends_nothing_is_retried(settings: Settings) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.SilentEmailBackend"
    message = OutboxMessageFactory.create(email=True)

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.RETRY


def test_email_is_sent_once(sms: type[ScriptedSmsBackend]) -> None:
    message = OutboxMessageFactory.create(email=True, subject="Kezek: test", body="Hello")

    assert outbox_deliver(message_id=message.pk) == OutboxStatus.SENT
    assert outbox_deliver(message_id=message.pk) is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [message.recipient]
    assert sms.sent == []


def test_database_refuses_a_sending_row_without_a_lease() -> None:
    from django.db import IntegrityError, transaction

    message = OutboxMessageFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.SENDING)
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk).update(status="lost")
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.SENT)  # no sent_at
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessageFactory.create(idempotency_key=message.idempotency_key)
