"""Running `integrity_check` and recording its result; `tick` queues one run a night."""

import logging

from django.db import IntegrityError, transaction

from kezek.core import clock

from .diff import CHUNK_SIZE, integrity_check
from .models import FINDINGS_KEPT, IntegrityRun

logger = logging.getLogger(__name__)
NIGHT_HOUR = 2  # local time from which `tick` queues the night's run


def integrity_run_perform(*, run: IntegrityRun, chunk_size: int = CHUNK_SIZE) -> IntegrityRun:
    """Run the check and store its outcome on `run` (an unexpected failure is stored as `error`)."""
    run.started_at = clock.now()
    run.save(update_fields=["started_at"])
    try:
        report = integrity_check(chunk_size=chunk_size)
    except Exception as exc:  # the row must say the check did not complete, whatever broke
        logger.exception("integrity check %s failed", run.pk)
        run.verdict, run.error = IntegrityRun.Verdict.ERROR, f"{type(exc).__name__}: {exc}"
    else:
        run.verdict = IntegrityRun.Verdict.OK if report.ok else IntegrityRun.Verdict.FINDINGS
        run.events_checked = report.events
        run.findings_count = len(report.findings)
        run.findings = [finding.as_dict() for finding in report.findings[:FINDINGS_KEPT]]
    run.finished_at = clock.now()
    run.save()
    return run


def integrity_nightly_queue() -> int:
    """Tick sweep: from NIGHT_HOUR on, queue tonight's run unless it exists (at most one per night: the
    row's unique `night`, so concurrent ticks queue it once). Returns 1 when it queued one."""
    from .tasks import integrity_check_task

    now = clock.now()
    if now.hour < NIGHT_HOUR or IntegrityRun.objects.filter(night=now.date()).exists():
        return 0
    try:
        with transaction.atomic():
            run = IntegrityRun.objects.create(night=now.date(), trigger=IntegrityRun.Trigger.TASK)
            transaction.on_commit(lambda: integrity_check_task.enqueue(run.pk))
    except IntegrityError:  # another tick queued it meanwhile
        return 0
    return 1
