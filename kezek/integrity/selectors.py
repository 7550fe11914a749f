"""Reading the recorded integrity checks."""

from .models import IntegrityRun


def integrity_run_latest() -> IntegrityRun | None:
    """The latest completed run (pending ones are not a result yet)."""
    return (
        IntegrityRun.objects.exclude(verdict=IntegrityRun.Verdict.PENDING)
        .order_by("-finished_at", "-pk")
        .first()
    )
