"""`notification_enqueue`: a row in the caller's transaction, sent after commit exactly once, or nothing."""

from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from kezek.core.errors import ValidationFailed
from kezek.notifications.errors import OutboxNotInTransaction
from kezek.notifications.models import Channel, OutboxMessage, OutboxStatus
from kezek.notifications.selectors import outbox_latest
from kezek.notifications.services import notification_enqueue, outbox_sweep
from kezek.notifications.tasks import outbox_send
from tests.notifications.fakes import ScriptedSmsBackend

pytestmark = pytest.mark.django_db

PHONE = "+77011234567"


def enqueue(**overrides: Any) -> OutboxMessage:
    arguments: dict[str, Any] = {
        "channel": "sms",
        "recipient": PHONE,
        "language": "ru",
        "template": "phone_code",
        "context": {"code": "482910", "minutes": 5},
        "idempotency_key": "otp:1",
    }
    arguments.update(overrides)
    with transaction.atomic():
        return notification_enqueue(**arguments)


def test_the_row_holds_the_rendered_text_and_no_context() -> None:
    message = enqueue(recipient="8 (701) 123-45-67", language="en")

    message.refresh_from_db()
    assert message.channel == Channel.SMS
    assert message.recipient == PHONE  # one spelling, whatever the caller typed
    assert message.language == "en"
    assert message.template == "phone_code"
    assert (
        message.body == "Kezek: your confirmation code is 482910, valid 5 minutes. Do not tell it to anyone."
    )
    assert message.subject == "Kezek: phone confirmation code"
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 0
    stored = {field.attname: getattr(message, field.attname) for field in OutboxMessage._meta.concrete_fields}
    assert not any(isinstance(value, dict) for value in stored.values())


def test_sent_after_commit_exactly_once(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, sms: type[ScriptedSmsBackend]
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        message = notification_enqueue(
            channel="sms",
            recipient=PHONE,
            language="en",
            template="application_registered",
            context={"number": 4021, "locality": "Oskemen"},
            idempotency_key="application:4021:registered",
        )
        assert sms.sent == []  # nothing leaves before the commit

    assert sms.sent == []
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the task runs (ImmediateBackend)

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.provider_message_id == f"scripted-{message.public_id}"
    assert [(sent.to, sent.message_id) for sent in sms.sent] == [(PHONE, str(message.public_id))]
    assert "No. 4021 is registered" in sms.sent[0].text

    callbacks[0]()  # the task delivered twice (a retried worker, say): still one SMS
    outbox_send.enqueue(message.pk)
    assert outbox_sweep() == 0
    assert len(sms.sent) == 1


def test_sent_on_commit(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, sms: type[ScriptedSmsBackend]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert len(sms.sent) == 1


def test_rollback_leaves_no_row_and_sends_nothing(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, sms: type[ScriptedSmsBackend]
) -> None:
    def refused(key: str) -> None:
        with transaction.atomic():
            enqueue(idempotency_key=key)
            raise RuntimeError("the business rule refused the change")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError, match="business rule"):
            refused("application:1:registered")
        with transaction.atomic():
            with pytest.raises(RuntimeError, match="business rule"):
                refused("application:2:registered")  # a savepoint rolled back
            kept = enqueue(idempotency_key="application:3:registered")

    assert list(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == [
        "application:3:registered"
    ]
    assert len(callbacks) == 1
    assert [sent.message_id for sent in sms.sent] == [str(kept.public_id)]


def test_the_same_key_gives_the_same_message(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, sms: type[ScriptedSmsBackend]
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = enqueue(idempotency_key="application:7:registered")
        again = enqueue(idempotency_key="application:7:registered", context={"code": "000000", "minutes": 5})
        with transaction.atomic():
            third = enqueue(idempotency_key="application:7:registered", language="kk")

    assert first.pk == again.pk == third.pk
    assert OutboxMessage.objects.count() == 1
    assert len(callbacks) == 1
    assert len(sms.sent) == 1
    assert "482910" in sms.sent[0].text  # the first message stands


@pytest.mark.django_db(transaction=True)  # pytest-django wraps tests in a transaction: leave it
def test_outside_a_transaction_is_refused() -> None:
    with pytest.raises(OutboxNotInTransaction):
        notification_enqueue(
            channel="sms",
            recipient=PHONE,
            language="ru",
            template="phone_code",
            context={"code": "1", "minutes": 5},
            idempotency_key="otp:x",
        )
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"channel": "telegram"}, "notification_channel"),
        ({"channel": "SMS"}, "notification_channel"),
        ({"language": "de"}, "notification_language"),
        ({"language": "kz"}, "notification_language"),
        ({"template": "unknown"}, "notification_template"),
        ({"context": {"code": "1"}}, "notification_context"),
        ({"idempotency_key": ""}, "notification_idempotency_key"),
        ({"idempotency_key": "k" * 201}, "notification_idempotency_key"),
        ({"recipient": "+7 727 250 00 00"}, "phone_not_mobile"),
        ({"recipient": "12345"}, "phone_invalid"),
        ({"channel": "email", "recipient": "not-an-email"}, "email_invalid"),
    ],
)
def test_bad_arguments_raise_validation_failed(overrides: dict[str, Any], code: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        enqueue(**overrides)
    assert excinfo.value.code == code
    assert excinfo.value.status == 422
    assert not OutboxMessage.objects.exists()


def test_email_channel(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue(
            channel=Channel.EMAIL,
            recipient=" Parent@Mail.EXAMPLE.kz ",
            language="en",
            template="application_withdrawn",
            context={"number": 55},
            idempotency_key="application:55:withdrawn",
        )

    message.refresh_from_db()
    assert message.recipient == "Parent@mail.example.kz"
    assert message.status == OutboxStatus.SENT
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["Parent@mail.example.kz"]
    assert email.subject == "Kezek: application No. 55 is withdrawn"
    assert email.body == "Kezek: your application No. 55 is withdrawn from the kindergarten waiting list."
    assert email.extra_headers["Message-ID"] == f"<{message.public_id}@kezek.example.kz>"
    assert message.provider_message_id == email.extra_headers["Message-ID"]


def test_with_the_database_task_backend_a_task_is_queued(
    settings: Settings, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()

    task = DBTaskResult.objects.get()
    assert task.task_path == "kezek.notifications.tasks.outbox_send"
    assert task.args_kwargs == {"args": [message.pk], "kwargs": {}}
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING  # the worker sends it


def test_a_failing_task_backend_leaves_the_message_to_the_sweep(
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    sms: type[ScriptedSmsBackend],
) -> None:
    settings.TASKS = {"default": {"BACKEND": "kezek.no.such.Backend"}}
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()  # the commit is not disturbed

    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert outbox_sweep() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert len(sms.sent) == 1


def test_outbox_latest_reads_the_newest_message_in_any_spelling(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(idempotency_key="otp:1", context={"code": "111111", "minutes": 5})
        enqueue(idempotency_key="otp:2", context={"code": "222222", "minutes": 5})
        enqueue(
            idempotency_key="application:9:registered",
            template="application_registered",
            context={"number": 9, "locality": "Oskemen"},
        )

    latest = outbox_latest(recipient="8 701 123 45 67")
    assert latest is not None
    assert latest.template == "application_registered"
    code = outbox_latest(recipient=PHONE, template="phone_code")
    assert code is not None
    assert "222222" in code.body
    assert outbox_latest(recipient="+77019999999") is None
    assert outbox_latest(recipient="garbage") is None
