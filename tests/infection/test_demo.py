"""The demo's past quarantine (E59): a case of the attendance demo's first group recorded by `demo-nurse`
in the month before last, its quarantine ended by the sweep, the ledger agreeing — and a reset works."""

import datetime as dt

import pytest
import time_machine

from kezek.demo.services import demo_load
from kezek.infection.models import Case, Contact, Quarantine
from kezek.integrity.diff import integrity_check
from tests.attendance.conftest import at

pytestmark = pytest.mark.django_db


@pytest.mark.database_owner  # the reset empties the ledger (TRUNCATE)
def test_the_demo_has_one_past_quarantine() -> None:
    with time_machine.travel(at(dt.date(2026, 12, 3), 9), tick=False):
        demo_load(scale="small", seed=7)
        case = Case.objects.get()
        assert case.recorded_by.username == "demo-nurse"
        assert case.isolated_on.month == 10
        assert Contact.objects.filter(case=case).count() > 1
        quarantine = Quarantine.objects.get()
        assert quarantine.last_day < dt.date(2026, 12, 1)
        assert quarantine.ended_at is not None
        assert integrity_check().findings == []
        demo_load(scale="small", seed=7, reset=True)
        assert Quarantine.objects.count() == 1
        assert integrity_check().findings == []
