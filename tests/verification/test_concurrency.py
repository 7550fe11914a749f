"""Throttles and exactly-once under real concurrency: threads with their own PostgreSQL connections."""

from collections import Counter

import pytest
from django.db import transaction

from kezek.core.errors import DomainError
from kezek.notifications.models import OutboxMessage
from kezek.verification.models import FailedAttempt, PhoneCode
from kezek.verification.services import (
    attempt_limiter_fail,
    attempt_limiter_reserve,
    phone_code_confirm,
    phone_code_consume,
    phone_code_send,
)
from tests.concurrency import run_parallel
from tests.verification.conftest import new_phone, send, wrong

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_parallel_wrong_guesses_never_exceed_five_attempts() -> None:
    phone_code, code = send()
    guesses = [wrong(code)] * 20

    outcomes = run_parallel(20, lambda n: phone_code_confirm(code_id=phone_code.id, code=guesses[n]))

    assert sum(outcomes.values()) == 20
    assert outcomes["code_invalid"] == 4  # counted wrong guesses with attempts left
    assert outcomes["code_locked"] == 16  # the fifth wrong guess, and those that were not counted
    phone_code.refresh_from_db()
    assert phone_code.attempts == 5
    with pytest.raises(DomainError) as info:
        phone_code_confirm(code_id=phone_code.id, code=code)
    assert info.value.code == "code_locked"


def test_ten_parallel_consumes_exactly_one_succeeds() -> None:
    phone_code, code = send()
    phone_code_confirm(code_id=phone_code.id, code=code)

    def consume(_n: int) -> None:
        with transaction.atomic():
            phone_code_consume(code_id=phone_code.id, phone=phone_code.phone, purpose=phone_code.purpose)

    outcomes = run_parallel(10, consume)
    assert outcomes == Counter({"ok": 1, "phone_not_confirmed": 9})


def test_ten_parallel_sends_to_one_phone_give_exactly_one_code() -> None:
    phone = new_phone()

    def send_one(n: int) -> None:
        phone_code_send(phone=phone, purpose="phone_verification", ip=f"192.0.2.{n + 1}", language="ru")

    outcomes = run_parallel(10, send_one)
    assert outcomes == Counter({"ok": 1, "too_many_requests": 9})
    assert PhoneCode.objects.filter(phone=phone).count() == 1
    assert OutboxMessage.objects.filter(recipient=phone).count() == 1


def test_parallel_sends_from_one_ip_stop_at_the_hourly_limit() -> None:
    def send_one(_n: int) -> None:
        phone_code_send(phone=new_phone(), purpose="cabinet_login", ip="198.51.100.7", language="kk")

    outcomes = run_parallel(25, send_one)
    assert outcomes == Counter({"ok": 20, "too_many_requests": 5})
    assert PhoneCode.objects.filter(ip="198.51.100.7").count() == 20


def test_parallel_failures_all_count() -> None:
    key = "login:900101300123"
    outcomes = run_parallel(20, lambda _n: attempt_limiter_fail(key=key, limit=100))
    assert outcomes == Counter({"ok": 20})
    assert FailedAttempt.objects.get().count == 20


def test_parallel_reservations_never_exceed_the_limit() -> None:
    key = "staff-password:bolat"
    outcomes = run_parallel(20, lambda _n: attempt_limiter_reserve(key=key, limit=5))
    assert outcomes == Counter({"ok": 5, "too_many_requests": 15})
    row = FailedAttempt.objects.get()
    assert (row.count, row.locked_until is not None) == (5, True)
