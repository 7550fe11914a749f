"""`integrity_check`: clean on data written by the services and on the untouched demo, a command that
exits non-zero with masked findings, a nightly task, a public verdict (issue 16, item 1). The tampering
scenarios are `test_scenarios.py`."""

import datetime as dt
from collections.abc import Callable
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kezek.core.tick import tick_run
from kezek.integrity.diff import LogRoot, integrity_check
from kezek.integrity.models import IntegrityRun
from kezek.integrity.replay import Event
from kezek.integrity.selectors import integrity_run_latest
from kezek.translog.models import Checkpoint
from kezek.translog.public import public_form_of
from kezek.waitlist.models import Application, Child
from kezek_verify import tlog

from .conftest import ALMATY, World, kinds
from .tampering import tamper

# Tampering as an administrator would (triggers disabled): as the database owner where CI splits the roles.
pytestmark = [pytest.mark.django_db, pytest.mark.database_owner]


def test_clean_on_data_written_by_the_services(world: World) -> None:
    report = integrity_check()
    assert report.findings == []
    assert report.events > 30


def test_clean_on_the_untouched_demo() -> None:
    call_command("seed_demo", "--scale", "small", stdout=StringIO(), stderr=StringIO())
    report = integrity_check()
    assert report.findings == []
    assert report.events > 1000


def test_the_command_exits_zero_when_clean_and_records_the_run(world: World) -> None:
    out = StringIO()
    call_command("integrity_check", stdout=out)
    assert "integrity OK" in out.getvalue()
    latest = integrity_run_latest()
    assert latest is not None
    assert (latest.verdict, latest.events_checked > 30) == ("ok", True)


def test_findings_exit_non_zero_with_the_child_masked(world: World) -> None:
    app = Application.objects.filter(locality=world.locality, status="queued").order_by("pk").first()
    assert app is not None
    tamper(Child, app.child_id, birth_date=app.child.birth_date - dt.timedelta(days=200))
    out = StringIO()
    with pytest.raises(CommandError, match="findings"):
        call_command("integrity_check", stdout=out)
    assert f"application.child\tapplication {app.pk}" in out.getvalue()
    assert app.child.iin not in out.getvalue()  # masked
    latest = integrity_run_latest()
    assert latest is not None
    assert latest.verdict == "findings"


def test_tick_queues_one_run_a_night(world: World, django_capture_on_commit_callbacks: Callable) -> None:
    night = dt.datetime(2027, 2, 1, 3, 0, tzinfo=ALMATY)
    with time_machine.travel(night, tick=False), django_capture_on_commit_callbacks(execute=False):
        assert tick_run()["integrity.nightly"] == 1
        assert tick_run()["integrity.nightly"] == 0
    run = IntegrityRun.objects.get(night=night.date())
    from kezek.integrity.tasks import integrity_check_task

    assert integrity_check_task.call(run.pk) == "ok"
    with time_machine.travel(night - dt.timedelta(hours=2), tick=False):  # 01:00: not yet tonight's
        assert tick_run()["integrity.nightly"] == 0


def test_the_latest_result_is_public(world: World, client: Client) -> None:
    assert client.get("/api/v1/open-data/integrity").status_code == 404
    call_command("integrity_check", stdout=StringIO())
    body = client.get("/api/v1/open-data/integrity").json()
    assert (body["verdict"], body["findings"], body["events_checked"] > 30) == ("ok", 0, True)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 5, 8, 13, 64, 100])
def test_the_streamed_log_root_is_rfc_9162s(size: int) -> None:
    """A4: `LogRoot` (a stack of perfect subtrees) gives the root `kezek_verify.tlog` gives."""
    events = [
        Event(seq, "x.y", "", "", "", {"n": seq}, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        for seq in range(1, size + 1)
    ]
    log = LogRoot(size)
    assert list(log.fed(iter(events))) == events
    hashes: list[bytes] = []
    reader = tlog.HashReaderFunc(lambda ids: [hashes[i] for i in ids])
    for index, e in enumerate(events):
        leaf = public_form_of(
            seq=e.seq, kind=e.kind, occurred_at=e.occurred_at, subject_type="", subject_id="",
            locality_code="", payload=e.payload,
        )  # fmt: skip
        hashes += tlog.stored_hashes(index, leaf, reader)
    assert log.root() == tlog.tree_hash(size, reader)


def test_a_checkpoint_not_signed_by_the_log_is_reported(world: World) -> None:
    signed = Checkpoint.objects.order_by("-size").first()
    assert signed is not None
    forged = signed.note.replace(signed.note.rsplit(" ", 1)[-1], "A" * 86 + "==\n")
    Checkpoint.objects.filter(pk=signed.pk).update(note=forged)
    assert "log.checkpoint" in kinds()
