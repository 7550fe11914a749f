"""P1 for changes made outside placement: a new group or a raised capacity publishes its free seats."""

from typing import Any

from django.db import transaction
from django.dispatch import Signal

from kezek.facilities.models import Group

from .models import Publication

# Sent inside the enrolment's own transaction, after its ledger event, so what listens (the child's file,
# issue #18: `kezek.records`) commits or rolls back with it. Keyword arguments: `enrollment`, `by_staff`;
# a transfer also `from_group`, `on`; a departure also `on`, `reason`, `reason_code` ("" when not given).
enrollment_created = Signal()
enrollment_transferred = Signal()
enrollment_departed = Signal()


def on_group_saved(*, instance: Group, created: bool, raw: bool = False, **_: Any) -> None:
    """After a group is saved (admin, back-office), publish whatever seats nobody holds, once it commits."""
    if raw or not instance.is_active:
        return
    from .services import places_publish  # services import models; keep the signal module light

    group_id = instance.pk
    transaction.on_commit(
        lambda: places_publish(group=Group.objects.get(pk=group_id), cause=Publication.Cause.CAPACITY)
    )
