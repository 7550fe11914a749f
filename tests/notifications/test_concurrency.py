"""Real concurrency on PostgreSQL: threads with their own connections race for the same rows."""

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from kezek.notifications.models import OutboxMessage, OutboxStatus
from kezek.notifications.services import notification_enqueue, outbox_deliver, outbox_sweep
from tests.factories import OutboxMessageFactory
from tests.notifications.fakes import ScriptedSmsBackend

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    """Run `work(n)` in `count` threads that start together; re-raise the first error."""
    start = threading.Barrier(count)
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            start.wait()
            results[n] = work(n)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def test_two_senders_claim_one_row_only_one_sends(sms: type[ScriptedSmsBackend]) -> None:
    message = OutboxMessageFactory.create()
    sms.delay = 0.2  # the winner is still sending when the loser tries

    results = run_in_threads(2, lambda _n: outbox_deliver(message_id=message.pk))

    assert sorted(results, key=str) == [None, OutboxStatus.SENT]
    assert len(sms.sent) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1


def test_many_senders_many_rows_each_sent_once(sms: type[ScriptedSmsBackend]) -> None:
    messages = OutboxMessageFactory.create_batch(30)
    ids = [message.pk for message in messages]
    sms.delay = 0.005

    def send_all(n: int) -> int:
        order = ids if n % 2 else list(reversed(ids))
        return sum(outbox_deliver(message_id=message_id) is not None for message_id in order)

    results = run_in_threads(6, send_all)

    assert sum(results) == 30  # type: ignore[arg-type]
    assert Counter(sent.message_id for sent in sms.sent) == Counter(str(m.public_id) for m in messages)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


def test_concurrent_sweeps_send_each_message_once(sms: type[ScriptedSmsBackend]) -> None:
    messages = OutboxMessageFactory.create_batch(40)
    sms.delay = 0.005

    results = run_in_threads(4, lambda _n: outbox_sweep(limit=100))

    assert sum(results) == 40  # type: ignore[arg-type]
    assert len(sms.sent) == 40
    assert {sent.message_id for sent in sms.sent} == {str(m.public_id) for m in messages}
    assert outbox_sweep() == 0


def test_concurrent_enqueues_of_one_key_write_one_message(sms: type[ScriptedSmsBackend]) -> None:
    def enqueue(n: int) -> int:
        with transaction.atomic():
            message = notification_enqueue(
                channel="sms",
                recipient="+77011234567",
                language="ru",
                template="application_registered",
                context={"number": 77, "locality": f"thread {n}"},
                idempotency_key="application:77:registered",
            )
            time.sleep(0.1)  # hold the transaction open while the others try
        return message.pk

    results = run_in_threads(4, enqueue)

    assert len(set(results)) == 1
    assert OutboxMessage.objects.count() == 1
    assert len(sms.sent) == 1  # sent after the winner's commit (ImmediateBackend), once
