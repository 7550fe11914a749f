"""E34 with P6 under real concurrency (PostgreSQL): the parent of twins signs with both vouchers at once
(two tabs); the vouchers are locked in primary-key order, so one contract takes both seats, no deadlock."""

import datetime as dt

import pytest
import time_machine

from kezek.placement.models import Direction
from kezek.vouchers import services
from kezek.vouchers.models import Voucher
from tests.concurrency import run_parallel

from .helpers import ALMATY, kindergarten, voucher_locality
from .test_siblings import _confirmed, _twins

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("ledger_agrees"),
]
TUESDAY = dt.datetime(2026, 12, 15, 10, 0, tzinfo=ALMATY)


@time_machine.travel(TUESDAY, tick=False)
def test_twins_signing_at_once_make_one_contract_for_both() -> None:
    locality = voucher_locality()
    twins = _twins(locality)
    group = kindergarten(locality, capacity=2, publish=False)  # vouchers issued as the publication commits
    vouchers = [_confirmed(twin) for twin in twins]
    outcomes = run_parallel(
        2,
        lambda n: services.voucher_sign(
            voucher=vouchers[n], applicant=twins[n].applicant, organisation=group.organisation
        ),
    )
    assert outcomes == {"ok": 1, "status": 1}  # the second finds its voucher signed already
    assert set(Direction.objects.filter(group=group).values_list("application_id", flat=True)) == {
        twin.pk for twin in twins
    }
    assert Voucher.objects.filter(state="contracted").count() == 2
