"""The ledger's one lock: its head row, taken last of all locks (order: `kezek.core.locks`) and held only
for the append."""

from kezek.core.locks import locked

from .hashing import GENESIS_HASH
from .models import LedgerHead

HEAD_ID = 1  # the head's one row


def head_lock() -> LedgerHead:
    """Lock the head row, creating it on the first append (or after a flush)."""
    head = locked(LedgerHead.objects.filter(pk=HEAD_ID)).first()
    if head is None:
        # ON CONFLICT DO NOTHING: two first appends racing both end up locking the same row.
        LedgerHead.objects.bulk_create(
            [LedgerHead(id=HEAD_ID, last_seq=0, last_hash=GENESIS_HASH)], ignore_conflicts=True
        )
        head = locked(LedgerHead.objects.all()).get(pk=HEAD_ID)
    return head
