"""Reads of the outbox: a recipient's messages (tests, the dev UI) and the rows that are due to be sent."""

import datetime as dt

from django.db.models import Q, QuerySet

from .models import CLAIMABLE, OutboxMessage, OutboxStatus
from .recipients import recipient_lookup_key


def outbox_for_recipient(*, recipient: str) -> QuerySet[OutboxMessage]:
    """Messages to this phone or email (any spelling of the phone), newest first."""
    return OutboxMessage.objects.filter(recipient=recipient_lookup_key(recipient)).order_by(
        "-created_at", "-id"
    )


def outbox_latest(*, recipient: str, template: str | None = None) -> OutboxMessage | None:
    """The newest message to `recipient`, of `template` when given (browser tests read SMS codes here)."""
    messages = outbox_for_recipient(recipient=recipient)
    if template is not None:
        messages = messages.filter(template=template)
    return messages.first()


def outbox_due_ids(*, now: dt.datetime, limit: int) -> list[int]:
    """Ids of messages a sender may claim now, oldest due first: pending or retry rows whose time has come,
    and rows whose sender's lease has expired."""
    due = Q(status__in=CLAIMABLE, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, locked_until__lt=now
    )
    return list(
        OutboxMessage.objects.filter(due)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
