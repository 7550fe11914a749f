"""Growing the transparency log: a `tick` sweep (issue 17, item 2).

It runs in their own transactions, never inside a business transaction, and lock only the log's state
row (`locks.log_state_lock`), never the ledger's head: appends never wait for the log. The log trails the
ledger by at most a tick.
"""

import logging

from django.conf import settings
from django.db import transaction

from kezek.core import clock
from kezek.ledger.models import LedgerEvent
from kezek_verify import tlog

from .locks import log_state_lock
from .models import LogState, LogTile
from .public import public_form, public_form_of
from .tiles import HEIGHT, StoredHashes

logger = logging.getLogger(__name__)

INTEGRATE_BATCH = 50_000  # events per transaction
READ_CHUNK = 5_000  # events per fetch from the database cursor
TILE_WRITE_BATCH = 500
EVENT_FIELDS = ("seq", "kind", "occurred_at", "subject_type", "subject_id", "locality_code", "payload")


def log_integrate(*, batch: int = INTEGRATE_BATCH) -> int:
    """Tick sweep: add the ledger events the tree does not hold yet (seq > size), in ledger order, `batch`
    per transaction: their leaf hashes and the completed subtrees' (kezek_verify.tlog), written as tiles,
    and the new size and root hash. Idempotent; concurrent runs wait for each other on the state row.
    Returns how many events were added."""
    added = 0
    while True:
        with transaction.atomic():
            count = _integrate_batch(log_state_lock(), batch)
        added += count
        if count < batch:
            return added


def _integrate_batch(state: LogState, batch: int) -> int:
    if state.size and not _last_leaf_matches(state):
        if settings.IS_PRODUCTION:
            logger.error("transparency log: leaf %s no longer matches the ledger", state.size - 1)
            return 0
        # Development: the demo's reset emptied the ledger. The log starts again with it.
        logger.warning("transparency log: the ledger was reset; starting the log again")
        LogTile.objects.all().delete()
        state.size, state.root_hash, state.updated_at = 0, tlog.EMPTY_HASH, clock.now()
        state.save()
    old = size = state.size
    reader = StoredHashes()
    events = LedgerEvent.objects.filter(seq__gt=old, seq__lte=old + batch).order_by("seq")
    for seq, kind, occurred_at, subject_type, subject_id, locality_code, payload in events.values_list(
        *EVENT_FIELDS
    ).iterator(chunk_size=READ_CHUNK):
        if seq != size + 1:
            logger.error("transparency log: ledger event %s is missing; integrated up to %s", size + 1, size)
            break
        leaf = tlog.record_hash(
            public_form_of(
                seq=seq,
                kind=kind,
                occurred_at=occurred_at,
                subject_type=subject_type,
                subject_id=subject_id,
                locality_code=locality_code,
                payload=payload,
            )
        )
        start = tlog.stored_hash_index(0, size)
        for offset, value in enumerate(tlog.stored_hashes_for_record_hash(size, leaf, reader)):
            reader.fresh[start + offset] = value
        size += 1
    if size == old:
        return 0
    tiles = [
        LogTile(level=tile.L, index=tile.N, width=tile.W, data=tlog.read_tile_data(tile, reader))
        for tile in tlog.new_tiles(HEIGHT, old, size)
    ]
    LogTile.objects.bulk_create(
        tiles,
        batch_size=TILE_WRITE_BATCH,
        update_conflicts=True,
        unique_fields=["level", "index"],
        update_fields=["width", "data"],
    )
    state.size, state.root_hash = size, tlog.tree_hash(size, reader)
    state.updated_at = clock.now()
    state.save()
    return size - old


def _last_leaf_matches(state: LogState) -> bool:
    """Whether the tree's last leaf is still the public form of the ledger's event of that number."""
    event = LedgerEvent.objects.filter(seq=state.size).first()
    if event is None:
        return False
    try:
        (stored,) = StoredHashes().read_hashes([tlog.stored_hash_index(0, state.size - 1)])
    except tlog.TlogError:
        return False
    return stored == tlog.record_hash(public_form(event))
