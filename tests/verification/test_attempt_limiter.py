"""The attempt limiter for password logins: lockout after 5 failures for 15 minutes (settings)."""

import datetime as dt

import pytest
import time_machine

from kezek.core.errors import TooManyRequests
from kezek.core.tick import registered_sweeps
from kezek.verification.models import FailedAttempt
from kezek.verification.services import (
    attempt_limiter_check,
    attempt_limiter_fail,
    attempt_limiter_release,
    attempt_limiter_reserve,
    attempt_limiter_reset,
    failed_attempts_purge,
)

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
KEY = "login:900101300123"


def fail_times(count: int, key: str = KEY) -> int:
    result = 0
    for _ in range(count):
        result = attempt_limiter_fail(key=key)
    return result


def test_no_failures_no_lock() -> None:
    attempt_limiter_check(key=KEY)
    assert not FailedAttempt.objects.exists()


def test_five_failures_lock_for_fifteen_minutes() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        assert fail_times(4) == 4
        attempt_limiter_check(key=KEY)
        traveller.shift(30)
        assert attempt_limiter_fail(key=KEY) == 5
        with pytest.raises(TooManyRequests) as info:
            attempt_limiter_check(key=KEY)
        assert info.value.retry_after == 15 * 60
        assert info.value.status == 429
        assert "15" in str(info.value.message)
        attempt_limiter_check(key="login:other")

        traveller.shift(15 * 60 - 1)
        with pytest.raises(TooManyRequests) as info:
            attempt_limiter_check(key=KEY)
        assert info.value.retry_after == 1
        traveller.shift(1)
        attempt_limiter_check(key=KEY)
        # After the lockout a failure starts a new run.
        assert attempt_limiter_fail(key=KEY) == 1
        attempt_limiter_check(key=KEY)


def test_failures_during_a_lockout_do_not_extend_it() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        fail_times(5)
        traveller.shift(600)
        fail_times(3)
        traveller.shift(300)
        attempt_limiter_check(key=KEY)


def test_failures_spread_over_more_than_the_window_do_not_lock() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        fail_times(4)
        traveller.shift(15 * 60)
        assert attempt_limiter_fail(key=KEY) == 1
        fail_times(3)
        attempt_limiter_check(key=KEY)


def test_reset_after_a_successful_login() -> None:
    fail_times(4)
    attempt_limiter_reset(key=KEY)
    assert fail_times(4) == 4
    attempt_limiter_check(key=KEY)
    attempt_limiter_reset(key="login:never-failed")


def test_custom_limits() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(3):
            attempt_limiter_fail(key=KEY, limit=3, window_seconds=60, lockout_seconds=120)
        with pytest.raises(TooManyRequests) as info:
            attempt_limiter_check(key=KEY, limit=3, window_seconds=60)
        assert info.value.retry_after == 120
        traveller.shift(120)
        attempt_limiter_check(key=KEY, limit=3, window_seconds=60)


def test_a_stricter_check_holds_within_the_run() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        fail_times(3)
        attempt_limiter_check(key=KEY)
        with pytest.raises(TooManyRequests) as info:
            attempt_limiter_check(key=KEY, limit=3, window_seconds=600)
        assert info.value.retry_after == 600
        traveller.shift(600)
        attempt_limiter_check(key=KEY, limit=3, window_seconds=600)


def test_keys_are_stored_hashed() -> None:
    fail_times(1, key="login:900101300123")
    fail_times(1, key="ip:203.0.113.9")
    stored = list(FailedAttempt.objects.values_list("key", flat=True))
    assert len(stored) == 2
    for key in stored:
        assert len(key) == 64
        assert "900101300123" not in key
        assert "203.0.113.9" not in key


def test_purge_deletes_old_unlocked_counters() -> None:
    assert registered_sweeps()["verification.purge_failed_attempts"] is failed_attempts_purge
    with time_machine.travel(START, tick=False) as traveller:
        fail_times(1, key="a")
        fail_times(5, key="b")
        traveller.shift(dt.timedelta(days=1, seconds=1))
        fail_times(1, key="c")
        assert failed_attempts_purge() == 2
        assert FailedAttempt.objects.count() == 1
        assert failed_attempts_purge() == 0
    # A purged key starts afresh.
    assert attempt_limiter_fail(key="b") == 1


def test_reserve_counts_before_the_attempt_and_the_fifth_locks() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        assert [attempt_limiter_reserve(key=KEY) for _ in range(5)] == [1, 2, 3, 4, 5]
        with pytest.raises(TooManyRequests) as info:
            attempt_limiter_reserve(key=KEY)
        assert info.value.retry_after == 15 * 60
        assert FailedAttempt.objects.get().count == 5  # a refused reservation counts nothing
        traveller.shift(15 * 60)
        assert attempt_limiter_reserve(key=KEY) == 1  # a new run


def test_release_gives_back_one_reservation_and_the_lock_it_set() -> None:
    for _ in range(5):
        attempt_limiter_reserve(key=KEY)
    attempt_limiter_release(key=KEY)  # the fifth attempt succeeded
    assert attempt_limiter_reserve(key=KEY) == 5
    with pytest.raises(TooManyRequests):
        attempt_limiter_reserve(key=KEY)
    attempt_limiter_release(key="never-reserved")
