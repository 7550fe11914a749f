"""Signed checkpoints (issue 17, item 3): C2SP tlog-checkpoints in Ed25519 signed notes, issued when the
tree grew and the last is 10 minutes old, and at least daily; the key is required in production."""

import datetime as dt
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import time_machine

from kezek.core.tick import registered_sweeps, tick_run
from kezek.translog.checks import check_log_key
from kezek.translog.keys import log_signer, log_vkey
from kezek.translog.models import Checkpoint, LogState
from kezek.translog.services import checkpoint_sign_due, log_integrate
from kezek_verify import note
from kezek_verify.checkpoint import Checkpoint as CheckpointText

from .conftest import ORIGIN, VKEY
from .helpers import append, leaves, mth

ROOT = Path(__file__).resolve().parents[2]
START = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


def opened(checkpoint: Checkpoint) -> CheckpointText:
    signed = note.open(checkpoint.note.encode(), [note.new_verifier(VKEY)])
    return CheckpointText.parse(signed.text)


@pytest.mark.django_db
def test_the_first_checkpoint_signs_the_tree() -> None:
    append(5)
    with time_machine.travel(START, tick=False):
        log_integrate()
        assert checkpoint_sign_due() == 1
    checkpoint = Checkpoint.objects.get()
    text = opened(checkpoint)
    assert (text.origin, text.size, text.root_hash) == (ORIGIN, 5, mth(leaves()))
    assert (checkpoint.size, bytes(checkpoint.root_hash)) == (5, mth(leaves()))
    assert checkpoint.issued_at == START
    assert checkpoint.note.startswith(f"{ORIGIN}\n5\n")


@pytest.mark.django_db
def test_an_empty_log_is_signed_too() -> None:
    assert checkpoint_sign_due() == 1
    assert opened(Checkpoint.objects.get()).size == 0


@pytest.mark.django_db
def test_cadence_ten_minutes_when_grown_daily_otherwise() -> None:
    append(3)
    with time_machine.travel(START, tick=False) as traveller:
        tick_run()
        assert Checkpoint.objects.count() == 1
        append(2)
        traveller.shift(dt.timedelta(minutes=9, seconds=59))
        tick_run()
        assert Checkpoint.objects.count() == 1  # grown, but the last one is not 10 minutes old
        assert LogState.objects.get().size == 5  # the tree itself is up to date
        traveller.shift(dt.timedelta(seconds=1))
        tick_run()
        assert [c.size for c in Checkpoint.objects.all()] == [5, 3]  # newest first
        traveller.shift(dt.timedelta(hours=23, minutes=59))
        tick_run()
        assert Checkpoint.objects.count() == 2  # not grown: once a day
        traveller.shift(dt.timedelta(minutes=1))
        tick_run()
        assert [c.size for c in Checkpoint.objects.all()] == [5, 5, 3]
        tick_run()
        assert Checkpoint.objects.count() == 3  # idempotent
    first, second = Checkpoint.objects.filter(size=5).order_by("issued_at")
    assert opened(first) == opened(second)  # the same tree head, signed again a day later


def test_the_sign_sweep_is_registered() -> None:
    assert {"translog.integrate", "translog.sign"} <= registered_sweeps().keys()
    names = list(registered_sweeps())
    assert names.index("translog.integrate") < names.index("translog.sign")  # the tree grows, then is signed


def test_the_verifier_key_matches_the_signer() -> None:
    assert log_vkey() == VKEY
    assert log_signer().name == ORIGIN


def test_development_generates_its_key_once(settings: Any, tmp_path: Path) -> None:
    settings.TRANSPARENCY_LOG_KEY = ""
    settings.IS_PRODUCTION = False
    settings.TRANSPARENCY_LOG_DEV_KEY_FILE = tmp_path / "log-key"
    first = log_vkey()
    assert (tmp_path / "log-key").read_text().startswith(f"PRIVATE+KEY+{ORIGIN}+")
    assert log_vkey() == first
    assert check_log_key() == []


def test_production_without_a_key_is_a_check_error(settings: Any) -> None:
    settings.IS_PRODUCTION = True
    settings.TRANSPARENCY_LOG_KEY = ""
    assert [m.id for m in check_log_key()] == ["translog.E001"]
    settings.TRANSPARENCY_LOG_KEY = "PRIVATE+KEY+nonsense"
    assert [m.id for m in check_log_key()] == ["translog.E002"]
    settings.TRANSPARENCY_LOG_KEY = note.generate_key("another.example/log")[0]
    assert [m.id for m in check_log_key()] == ["translog.W001"]  # the key's name is not the origin


def _check(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("KEZEK_LOG_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            **base,
            "KEZEK_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "kezek.example.kz",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_key() -> None:
    result = _check()
    assert result.returncode != 0
    assert "translog.E001" in result.stderr
    skey, _ = note.generate_key("kezek.example.kz/log")
    result = _check(KEZEK_LOG_KEY=skey, KEZEK_LOG_ORIGIN="kezek.example.kz/log")
    assert result.returncode == 0, result.stderr
