"""End to end (issue 17, item 6): the integrity world's log, signed and exported with `log_export`, passes
the independent verifier (`kezek-verify check`, replay and lists included); a ledger rewritten whole as the
database owner — hashes recomputed, the live row changed, the log restarted and signed again — passes on
its own, but not against the checkpoint a witness kept."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from kezek.integrity.diff import integrity_check
from kezek.ledger.models import LedgerEvent
from kezek.translog.models import LogState
from kezek.translog.services import checkpoint_sign_due, log_integrate, log_reset
from kezek.waitlist.models import Application
from kezek.waitlist.ranks import rank_add
from kezek_verify.cli import main
from tests.factories import register_application as register
from tests.integrity.conftest import MONDAY, World, toddler
from tests.integrity.tampering import ledger_rechain
from tests.integrity.tampering import tamper as tamper_row
from tests.ledger.conftest import tamper, tampering

from .conftest import VKEY

pytestmark = pytest.mark.django_db
LATER = MONDAY + dt.timedelta(days=42)  # after every event of the world; its campaign still runs


def export_and_check(directory: Path, state: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    call_command("log_export", str(directory))
    code = main(["check", "--log", str(directory), "--key", VKEY, "--state", str(state)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_exported_log_verifies(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with time_machine.travel(LATER, tick=False):
        log_integrate()
        assert checkpoint_sign_due() == 1
        code, output = export_and_check(tmp_path / "log", tmp_path / "state", capsys)
    assert code == 0, output
    size = LedgerEvent.objects.count()
    assert f"checkpoint of size {size}" in output
    assert "lists: " in output
    assert " 0 cohorts" not in output
    assert " 0 publications' lines re-derived" not in output  # A5: the world's general group
    assert (tmp_path / "state" / "checkpoint").is_file()


@pytest.mark.database_owner
def test_a_rewritten_ledger_fails_against_the_kept_checkpoint(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    with time_machine.travel(LATER, tick=False):
        rewritten = register(locality=world.locality, child=toddler())  # the ledger's last event
        log_integrate()
        assert checkpoint_sign_due() == 1
        code, output = export_and_check(tmp_path / "before", state, capsys)
        assert code == 0, output
        size = LedgerEvent.objects.count()

    # The owner rewrites the registration's tier in the chain and in the live row, then rehashes it all.
    event = LedgerEvent.objects.get(kind="application.registered", subject_id=str(rewritten.pk))
    assert event.seq == size
    with tampering():
        tamper(event.seq, payload={**event.payload, "tier": "first_priority"})
        ledger_rechain()
    tamper_row(Application, rewritten.pk, tier="first_priority")
    # …and the queue's count tables, else the lists' positions betray the edit (the verifier sees that too).
    where = {"locality_id": world.locality.pk, "cohort": rewritten.cohort, "ordinal": rewritten.ordinal}
    rank_add(**where, tier="general", delta=-1)
    rank_add(**where, tier="first_priority", delta=1)

    with time_machine.travel(LATER + dt.timedelta(hours=1), tick=False):
        register(locality=world.locality, child=toddler())  # and life goes on
        log_integrate()  # the last leaf no longer matches: the log refuses to grow…
        assert LogState.objects.get().size == size
        log_reset()  # …until the intruder also starts the log again
        log_integrate()
        assert checkpoint_sign_due() == 1
        # A newcomer with no kept checkpoint sees a well-formed log that agrees with the lists…
        code, output = export_and_check(tmp_path / "after", tmp_path / "fresh-state", capsys)
        assert code == 0, output
        # …a witness that kept the earlier checkpoint does not.
        code, output = export_and_check(tmp_path / "after", state, capsys)
    assert code == 1, output
    line = output.strip().splitlines()[-1]
    assert line.startswith("kezek-verify: FAILED: inconsistent"), line
    assert f"size {size + 1}" in line
    assert f"size {size} " in line
    assert "rewritten history" in line


@pytest.mark.database_owner
def test_a_rewritten_ledger_that_signs_nothing_fails(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The owner rewrites an early registration's tier in the chain and the live tables and signs nothing
    new: the entry the log serves (from the live ledger) is not the leaf the signed tree holds, and the
    integrity check sees the ledger no longer hashes to the signed root (A4)."""
    state = tmp_path / "state"
    with time_machine.travel(LATER, tick=False):
        log_integrate()
        assert checkpoint_sign_due() == 1
        code, output = export_and_check(tmp_path / "before", state, capsys)
        assert code == 0, output
    rewritten = Application.objects.filter(locality=world.locality, status="queued", tier="general").first()
    assert rewritten is not None
    event = LedgerEvent.objects.get(kind="application.registered", subject_id=str(rewritten.pk))
    with tampering():
        tamper(event.seq, payload={**event.payload, "tier": "first_priority"})
        ledger_rechain()
    tamper_row(Application, rewritten.pk, tier="first_priority")
    where = {"locality_id": world.locality.pk, "cohort": rewritten.cohort, "ordinal": rewritten.ordinal}
    rank_add(**where, tier="general", delta=-1)
    rank_add(**where, tier="first_priority", delta=1)

    with time_machine.travel(LATER, tick=False):
        code, output = export_and_check(tmp_path / "after", state, capsys)
    assert code == 1, output
    assert "is not the leaf the signed tree of size" in output  # the entries come from the live ledger
    assert "log.root" in {finding.kind for finding in integrity_check().findings}


@pytest.mark.django_db(transaction=True)
def test_the_portal_verifies_over_http(
    world: World, live_server: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same check against the running portal's URLs (kezek_verify.source.UrlSource)."""
    with time_machine.travel(LATER, tick=False):
        log_integrate()
        assert checkpoint_sign_due() == 1
        code = main(["check", "--log", str(live_server), "--key", VKEY, "--state", str(tmp_path / "state")])
        output = capsys.readouterr()
    assert code == 0, output.err
    assert f"checkpoint of size {LedgerEvent.objects.count()}" in output.out
