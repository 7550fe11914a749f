"""Row locks of the transfers to school (order: `kezek.core.locks`): after the child's file (`kezek.records`
locks), before the queue's cohort and applications (a completion archives them) and the ledger head."""

from kezek.core.locks import locked

from .models import SchoolTransfer


def transfer_lock(pk: int) -> SchoolTransfer:
    """The transfer, locked, with its organisation's locality read (not locked)."""
    return locked(SchoolTransfer.objects.select_related("organisation__locality")).get(pk=pk)
