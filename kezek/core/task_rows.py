"""Rows of django-tasks-db whose worker was killed: `tick` recovers them.

A `db_worker` marks a row RUNNING when it starts the task and SUCCESSFUL or FAILED when it ends; killed
in between (SIGKILL, out of memory, a lost machine), it leaves the row RUNNING for ever and the task never
runs again. A row RUNNING for longer than TASKS_RUNNING_LEASE_SECONDS (far longer than any Kezek task
takes: verifying the whole ledger at country scale takes 2.5 minutes) has lost its worker:

- a task in RERUNNABLE goes back to READY, and a worker runs it again — at most MAX_RUNS runs in all, so
  a task that kills its worker every time (e.g. out of memory) does not take workers down for ever;
- any other task, or one that has used its runs, becomes FAILED with a `WorkerLost` note.
"""

import datetime as dt
import logging

from django.conf import settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kezek.core import clock

logger = logging.getLogger(__name__)

# Tasks that are safe to run again after a run that may have done part of its work:
# - outbox_send: `outbox_deliver` claims its message with a conditional UPDATE and skips one that is
#   sent, failed or held by another sender's lease;
# - ledger_verify_run: reads the chain and records one verification row at its very end.
RERUNNABLE = frozenset(
    {
        "kezek.notifications.tasks.outbox_send",
        "kezek.ledger.tasks.ledger_verify_run",
        "kezek.integrity.tasks.integrity_check_task",  # reads, then records its one run row
    }
)
MAX_RUNS = 3


class WorkerLost(Exception):
    """The note on a task row recovered as FAILED: its worker stopped while running it."""


def task_rows_recover() -> int:
    """Recover the RUNNING task rows whose worker is gone (see the module). Idempotent and safe to run
    concurrently with itself and with workers: each row changes only if it is still in the run that was
    seen (status and start time unchanged). Returns how many rows it changed."""
    now = clock.now()
    cutoff = now - dt.timedelta(seconds=int(settings.TASKS_RUNNING_LEASE_SECONDS))
    stale = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    changed = 0
    for row in stale.only("id", "task_path", "started_at", "worker_ids"):
        same_run = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        )
        runs = len(row.worker_ids)
        if row.task_path in RERUNNABLE and runs < MAX_RUNS:
            if same_run.update(status=TaskResultStatus.READY):
                changed += 1
                logger.warning("Task %s (%s): its worker was lost, queued again", row.pk, row.task_path)
            continue
        note = (
            f"The worker stopped while running this task (RUNNING since {row.started_at.isoformat()}, "
            f"{runs} run(s)); recovered by tick at {now.isoformat()} and not run again"
            + ("." if row.task_path in RERUNNABLE else ": the task is not known to be safe to run twice.")
        )
        if same_run.update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=note,
            return_value=None,
        ):
            changed += 1
            logger.error("Task %s (%s): its worker was lost, marked failed", row.pk, row.task_path)
    return changed
