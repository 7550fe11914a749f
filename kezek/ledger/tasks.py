"""Background tasks of the ledger (django.tasks API)."""

from django_tasks import task

from .models import LedgerVerification
from .services import ledger_verification_run


@task()
def ledger_verify_run(requested_by_id: int | None = None) -> int:
    """Verify the chain and record the run (enqueued by an administrator from the back-office ledger
    page). Returns the id of the recorded run."""
    run = ledger_verification_run(trigger=LedgerVerification.Trigger.TASK, requested_by_id=requested_by_id)
    return run.pk
