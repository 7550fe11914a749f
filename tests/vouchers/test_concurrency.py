"""E34 exactly once under real concurrency (PostgreSQL, one connection per thread): many parents with
confirmed vouchers sign for the last seat of a kindergarten; exactly one contract is made."""

import datetime as dt

import pytest
import time_machine

from kezek.placement.models import Direction, Place
from kezek.vouchers import services
from kezek.vouchers.models import Voucher
from tests.concurrency import run_parallel

from .helpers import ALMATY, kindergarten, queue, voucher_locality

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("ledger_agrees"),
]
REGISTERED = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ALMATY)
RACE = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)


def test_twelve_vouchers_race_for_the_last_seat() -> None:
    with time_machine.travel(REGISTERED, tick=False):
        locality = voucher_locality()
        apps = queue(locality, 12)
    with time_machine.travel(RACE, tick=False):
        # Twelve free places elsewhere: twelve vouchers, issued right after the publication commits (E31).
        kindergarten(locality, capacity=12, publish=False)
        vouchers = list(Voucher.objects.order_by("pk"))
        assert len(vouchers) == 12
        for voucher, app in zip(vouchers, apps, strict=True):
            services.voucher_confirm(voucher=voucher, applicant=app.applicant)
        last = kindergarten(locality, capacity=1, publish=False)
        by_app = {a.pk: a for a in apps}
        outcomes = run_parallel(
            12,
            lambda n: services.voucher_sign(
                voucher=vouchers[n],
                applicant=by_app[vouchers[n].application_id].applicant,
                organisation=last.organisation,
            ),
        )
    assert outcomes == {"ok": 1, "no_place": 11}
    assert Direction.objects.filter(group=last).count() == 1
    assert Place.objects.filter(group=last, status="taken").count() == 1
    assert Voucher.objects.filter(state="contracted").count() == 1
    assert Voucher.objects.filter(state="confirmed").count() == 11
