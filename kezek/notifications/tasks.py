"""Background tasks of the outbox (django.tasks API)."""

from django_tasks import task

from .services import outbox_deliver


@task()
def outbox_send(message_id: int) -> str:
    """Send one outbox message; enqueued after the commit that wrote it. Returns what happened."""
    status = outbox_deliver(message_id=message_id)
    return "skipped" if status is None else status.value
