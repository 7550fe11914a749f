import json

import pytest
from django.core.management import call_command

from kezek.core.tick import registered_sweeps

pytestmark = pytest.mark.django_db


def test_every_app_registers_its_sweep() -> None:
    assert {
        "notifications.outbox_retry",
        "verification.purge_expired",
        "waitlist.stop_list_restore",
    } <= set(registered_sweeps())


def test_tick_command_prints_what_it_did(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("tick")
    result = json.loads(capsys.readouterr().out)
    assert result["waitlist.stop_list_restore"] == 0
