"""Staff sign-in under real concurrency (PostgreSQL, one connection per thread): every attempt is
reserved before the password is checked, so parallel guesses never exceed the limit."""

import threading
from collections import Counter

import pytest
from django.contrib.auth.models import User

from kezek.staff.services import staff_password_check
from tests.concurrency import run_parallel
from tests.factories import staff_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_parallel_wrong_passwords_evaluate_at_most_five(monkeypatch: pytest.MonkeyPatch) -> None:
    staff_user(username="bolat")
    checked = Counter[str]()
    lock = threading.Lock()
    check_password = User.check_password

    def counting_check(user: User, raw_password: str) -> bool:
        with lock:
            checked["password"] += 1
        return check_password(user, raw_password)

    monkeypatch.setattr(User, "check_password", counting_check)

    outcomes = run_parallel(
        20, lambda n: staff_password_check(username="bolat", password=f"wrong-{n}", ip="203.0.113.7")
    )

    assert checked["password"] == 5
    assert outcomes == Counter({"credentials_wrong": 5, "too_many_requests": 15})
