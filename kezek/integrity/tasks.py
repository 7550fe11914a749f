"""Background task of the integrity check (django.tasks API)."""

from django_tasks import task

from .models import IntegrityRun
from .services import integrity_run_perform


@task()
def integrity_check_task(run_id: int) -> str:
    """Perform the queued run `run_id` (a pending row `tick` created); returns its verdict."""
    run = IntegrityRun.objects.get(pk=run_id)
    if run.verdict != IntegrityRun.Verdict.PENDING:
        return run.verdict  # already performed (a retried task)
    return integrity_run_perform(run=run).verdict
