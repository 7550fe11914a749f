"""A killed `db_worker` leaves its task row RUNNING: `tick` recovers it (issue 15, item 8)."""

import datetime as dt
import importlib
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from kezek.core.task_rows import MAX_RUNS, RERUNNABLE, WorkerLost
from kezek.core.tick import registered_sweeps, tick_run
from kezek.ledger.tasks import ledger_verify_run
from kezek.notifications.models import OutboxStatus
from kezek.notifications.tasks import outbox_send
from tests.factories import OutboxMessageFactory

pytestmark = pytest.mark.django_db

ALMATY = dt.timezone(dt.timedelta(hours=5))
START = dt.datetime(2026, 12, 14, 10, 0, tzinfo=ALMATY)
LEASE = 3600
SWEEP = "core.task_rows_recover"


@pytest.fixture(autouse=True)
def database_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.TASKS_RUNNING_LEASE_SECONDS = LEASE


def started(task: Task[Any, Any], *args: Any, runs: int = 1) -> DBTaskResult:
    """A row a worker has claimed `runs` times (as `db_worker` does) and then lost."""
    row = DBTaskResult.objects.get(pk=task.enqueue(*args).id)
    for n in range(runs):
        row.claim(f"worker-{n}")
    return row


def status(row: DBTaskResult) -> str:
    return DBTaskResult.objects.get(pk=row.pk).status


def test_the_sweep_is_registered() -> None:
    assert SWEEP in registered_sweeps()


def test_every_task_of_kezek_is_judged_safe_to_run_again_or_not() -> None:
    """A new task must be added to RERUNNABLE (after checking it is idempotent) or knowingly left out."""
    found = set()
    for config in apps.get_app_configs():
        if config.name.startswith("kezek.") and importlib.util.find_spec(f"{config.name}.tasks"):
            module = importlib.import_module(f"{config.name}.tasks")
            found |= {f"{module.__name__}.{name}" for name, v in vars(module).items() if isinstance(v, Task)}
    assert found == RERUNNABLE


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection when it is done
def test_a_running_row_older_than_the_lease_goes_back_to_ready_and_runs_again() -> None:
    message = OutboxMessageFactory.create()
    with time_machine.travel(START, tick=False) as traveller:
        lost = started(outbox_send, message.pk)
        traveller.shift(dt.timedelta(seconds=LEASE - 60))
        fresh = started(ledger_verify_run)
        assert tick_run()[SWEEP] == 0  # within the lease: perhaps still running
        traveller.shift(dt.timedelta(seconds=61))
        assert tick_run()[SWEEP] == 1
        assert (status(lost), status(fresh)) == (TaskResultStatus.READY, TaskResultStatus.RUNNING)
        assert tick_run()[SWEEP] == 0  # idempotent
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "default")
    assert status(lost) == TaskResultStatus.SUCCESSFUL
    assert DBTaskResult.objects.get(pk=lost.pk).worker_ids[0] == "worker-0"
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT


def test_a_task_that_lost_its_worker_on_every_run_fails_with_a_note() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        lost = started(ledger_verify_run, runs=MAX_RUNS)
        traveller.shift(dt.timedelta(seconds=LEASE + 1))
        assert tick_run()[SWEEP] == 1
        assert tick_run()[SWEEP] == 0
    row = DBTaskResult.objects.get(pk=lost.pk)
    assert row.status == TaskResultStatus.FAILED
    assert row.finished_at == START + dt.timedelta(seconds=LEASE + 1)
    assert row.exception_class_path == "kezek.core.task_rows.WorkerLost"
    assert "The worker stopped while running this task" in row.traceback
    assert row.task_result.errors[0].exception_class is WorkerLost


def test_an_unknown_task_is_not_run_twice(settings: Any) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        lost = started(ledger_verify_run)
        DBTaskResult.objects.filter(pk=lost.pk).update(task_path="elsewhere.tasks.unknown")
        traveller.shift(dt.timedelta(seconds=LEASE + 1))
        assert tick_run()[SWEEP] == 1
    row = DBTaskResult.objects.get(pk=lost.pk)
    assert row.status == TaskResultStatus.FAILED
    assert "not known to be safe to run twice" in row.traceback
