"""E53 under real concurrency (PostgreSQL, one connection per thread): two cases of one group recorded at
once leave one quarantine, set by one and extended (or joined) by the other — the group's row lock
serialises them, the unique open quarantine per group and infection is the last word."""

import datetime as dt

import pytest
import time_machine

from kezek.infection import services
from kezek.infection.models import Case, Quarantine
from tests.attendance.conftest import at, mark_days
from tests.concurrency import run_parallel

from .conftest import infections_seeded, make_clinic

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("ledger_agrees"),
]
DAYS = [dt.date(2026, 9, d) for d in (7, 8, 9, 10, 11)]


def test_two_cases_of_one_group_at_once_leave_one_quarantine() -> None:
    infections_seeded()
    clinic = make_clinic(4)
    mark_days(clinic.kg, DAYS)
    ill = clinic.kg.enrollments[:2]
    isolated = [dt.date(2026, 9, 11), dt.date(2026, 9, 11)]
    with time_machine.travel(at(dt.date(2026, 9, 11), 18), tick=False):
        outcomes = run_parallel(
            2,
            lambda n: services.case_record(
                by_staff=clinic.nurse,
                infection_code="chickenpox",
                onset_on=isolated[n],
                isolated_on=isolated[n],
                enrollment=ill[n],
            ),
        )
    assert outcomes == {"ok": 2}
    quarantine = Quarantine.objects.get()
    assert quarantine.cases.count() == Case.objects.count() == 2
    assert quarantine.last_day == dt.date(2026, 10, 2)
