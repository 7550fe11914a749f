"""E38: the independent verifier (`kezek-verify check`) accepts a log holding voucher events and the
direction a voucher's contract issues (no window, no holders: E30)."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from kezek.translog.services import checkpoint_sign_due, log_integrate
from kezek.vouchers import services
from kezek.vouchers.models import Voucher
from kezek_verify.cli import main
from tests.translog.conftest import VKEY

from .helpers import ALMATY, kindergarten, queue, voucher_locality

pytestmark = pytest.mark.django_db
TUESDAY = dt.datetime(2026, 12, 15, 10, 0, tzinfo=ALMATY)


def test_the_verifier_accepts_voucher_events(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with time_machine.travel(TUESDAY, tick=False):
        locality = voucher_locality()
        first, second = queue(locality, 2)
        group = kindergarten(locality, capacity=2)
        services.vouchers_issue(locality=locality)
        mine = Voucher.objects.get(application=first)
        services.voucher_confirm(voucher=mine, applicant=first.applicant)
        services.voucher_sign(voucher=mine, applicant=first.applicant, organisation=group.organisation)
        services.voucher_refuse(voucher=Voucher.objects.get(application=second), applicant=second.applicant)
    with time_machine.travel(TUESDAY + dt.timedelta(days=1), tick=False):
        log_integrate()
        assert checkpoint_sign_due() == 1
        call_command("log_export", str(tmp_path / "log"))
        code = main(
            ["check", "--log", str(tmp_path / "log"), "--key", VKEY, "--state", str(tmp_path / "state")]
        )
    output = capsys.readouterr()
    assert code == 0, output.out + output.err
