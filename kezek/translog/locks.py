"""The transparency log's one lock: its state row. The integration and the signing take it, and nothing
else; no business transaction ever does (they never wait for the log, nor the log for the ledger's head)."""

from kezek.core.locks import locked
from kezek_verify.tlog import EMPTY_HASH

from .models import LogState

STATE_ID = 1


def log_state_lock() -> LogState:
    """Lock the state row, creating it (empty tree) on first use or after a flush."""
    state = locked(LogState.objects.filter(pk=STATE_ID)).first()
    if state is None:
        # ON CONFLICT DO NOTHING: two first runs racing both end up locking the same row.
        empty = LogState(id=STATE_ID, size=0, root_hash=EMPTY_HASH)
        LogState.objects.bulk_create([empty], ignore_conflicts=True)
        state = locked(LogState.objects.all()).get(pk=STATE_ID)
    return state
