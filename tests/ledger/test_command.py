from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kezek.ledger.models import LedgerEvent

from .conftest import tamper, tampering

pytestmark = pytest.mark.django_db


def test_command_reports_ok(chain: list[LedgerEvent]) -> None:
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert out.getvalue().strip() == "ledger OK: 5 events"


def test_command_on_empty_ledger() -> None:
    out = StringIO()
    call_command("ledger_verify", "--chunk-size", "1", stdout=out)
    assert out.getvalue().strip() == "ledger OK: 0 events"


@pytest.mark.database_owner  # tampers
def test_command_reports_the_first_broken_link_and_fails(chain: list[LedgerEvent]) -> None:
    with tampering():
        tamper(2, payload={"number": "A-00001"})
        tamper(4, payload={"number": "A-00001"})
    with pytest.raises(CommandError, match=r"ledger BROKEN at seq 2: hash does not match") as excinfo:
        call_command("ledger_verify", stdout=StringIO())
    assert excinfo.value.returncode == 1
    assert "1 events before it are intact" in str(excinfo.value)
