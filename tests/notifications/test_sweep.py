"""The tick sweep sends what is due (bounded), gives up abandoned last attempts, and is idempotent."""

import datetime as dt

import pytest
from pytest_django import Settings
from time_machine import TimeMachineFixture

from kezek.core.tick import registered_sweeps
from kezek.notifications.errors import TemporarySendError
from kezek.notifications.models import OutboxStatus
from kezek.notifications.services import outbox_sweep
from tests.factories import OutboxMessageFactory
from tests.notifications.fakes import ScriptedSmsBackend

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(START, tick=False)
    return time_machine


def sweep() -> int:
    return registered_sweeps()["notifications.outbox_retry"]()


def test_the_sweep_is_registered_with_tick() -> None:
    assert "notifications.outbox_retry" in registered_sweeps()


def test_sends_what_is_due_once(clock: TimeMachineFixture, sms: type[ScriptedSmsBackend]) -> None:
    due = [
        OutboxMessageFactory.create(),  # its task was lost
        OutboxMessageFactory.create(status=OutboxStatus.RETRY, attempts=2, next_attempt_at=START),
        OutboxMessageFactory.create(  # a crashed sender's lease has expired
            status=OutboxStatus.SENDING, attempts=1, locked_until=START - dt.timedelta(seconds=1)
        ),
    ]
    OutboxMessageFactory.create(
        status=OutboxStatus.RETRY, attempts=1, next_attempt_at=START + dt.timedelta(minutes=1)
    )
    OutboxMessageFactory.create(
        status=OutboxStatus.SENDING, attempts=1, locked_until=START + dt.timedelta(minutes=1)
    )
    OutboxMessageFactory.create(status=OutboxStatus.SENT, attempts=1, sent_at=START)
    OutboxMessageFactory.create(status=OutboxStatus.FAILED, attempts=5)

    assert sweep() == 3
    assert sweep() == 0  # idempotent

    assert sorted(sent.message_id for sent in sms.sent) == sorted(str(message.public_id) for message in due)
    clock.shift(dt.timedelta(minutes=2))
    assert sweep() == 2
    assert sweep() == 0
    assert len(sms.sent) == 5


def test_the_batch_is_bounded(settings: Settings, sms: type[ScriptedSmsBackend]) -> None:
    settings.NOTIFICATIONS_SWEEP_BATCH = 3
    OutboxMessageFactory.create_batch(7)

    assert [sweep(), sweep(), sweep(), sweep()] == [3, 3, 1, 0]
    assert len(sms.sent) == 7
    assert outbox_sweep(limit=10) == 0


def test_the_oldest_due_goes_first(settings: Settings, sms: type[ScriptedSmsBackend]) -> None:
    settings.NOTIFICATIONS_SWEEP_BATCH = 1
    later = OutboxMessageFactory.create(next_attempt_at=START - dt.timedelta(minutes=1))
    earlier = OutboxMessageFactory.create(next_attempt_at=START - dt.timedelta(minutes=5))

    sweep()

    assert [sent.message_id for sent in sms.sent] == [str(earlier.public_id)]
    sweep()
    assert sms.sent[-1].message_id == str(later.public_id)


def test_the_time_budget_stops_new_claims(settings: Settings, sms: type[ScriptedSmsBackend]) -> None:
    settings.NOTIFICATIONS_SWEEP_SECONDS = 0.05
    ScriptedSmsBackend.delay = 0.06
    OutboxMessageFactory.create_batch(3)

    assert sweep() == 1
    assert len(sms.sent) == 1


def test_an_abandoned_last_attempt_fails_for_good(
    clock: TimeMachineFixture, sms: type[ScriptedSmsBackend]
) -> None:
    message = OutboxMessageFactory.create(
        status=OutboxStatus.SENDING, attempts=5, locked_until=START - dt.timedelta(seconds=1)
    )

    assert sweep() == 1
    assert sweep() == 0

    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.locked_until is None
    assert "lease expired" in message.last_error
    assert sms.sent == []


def test_retries_through_the_sweep_until_sent(
    clock: TimeMachineFixture, sms: type[ScriptedSmsBackend]
) -> None:
    message = OutboxMessageFactory.create()
    sms.script.extend([TemporarySendError("HTTP 503"), TemporarySendError("HTTP 503")])

    assert sweep() == 1
    for _minute in range(10):
        clock.shift(dt.timedelta(minutes=1))
        sweep()

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 3
    assert len(sms.sent) == 1
