"""Growing the transparency log and signing its checkpoints: two `tick` sweeps (issue 17, items 2 and 3).

Both run in their own transactions, never inside a business transaction, and lock only the log's state
row (`locks.log_state_lock`), never the ledger's head: appends never wait for the log. The log trails the
ledger by at most a tick.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import Conflict
from kezek.ledger.models import LedgerEvent
from kezek_verify import tlog
from kezek_verify.checkpoint import Checkpoint as CheckpointText
from kezek_verify.note import sign

from .keys import log_signer
from .locks import log_state_lock
from .models import Checkpoint, LogState, LogTile
from .public import public_form, public_form_of
from .tiles import HEIGHT, StoredHashes

logger = logging.getLogger(__name__)

INTEGRATE_BATCH = 50_000  # events per transaction
READ_CHUNK = 5_000  # events per fetch from the database cursor
TILE_WRITE_BATCH = 500
EVENT_FIELDS = ("seq", "kind", "occurred_at", "subject_type", "subject_id", "locality_code", "payload")
SIGN_WHEN_GROWN_AFTER = dt.timedelta(minutes=10)  # sign a grown tree after this long
SIGN_AT_LEAST_EVERY = dt.timedelta(days=1)  # and every day even if it did not grow


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
        # The ledger no longer holds what the log signed: never paper over it (A4 reports it too).
        logger.error("transparency log: leaf %s no longer matches the ledger", state.size - 1)
        return 0
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


def log_reset() -> None:
    """Forget the whole log — tree, tiles and every checkpoint — so that it starts again from the ledger's
    first event: only with the ledger it was built from (the demo's reset empties both). Refused in
    production, where a checkpoint once published is kept for ever."""
    if settings.IS_PRODUCTION:
        raise Conflict(_("The transparency log is never reset in production."), code="log_reset_refused")
    with transaction.atomic():
        state = log_state_lock()
        LogTile.objects.all().delete()
        Checkpoint.objects.all().delete()
        state.size, state.root_hash, state.updated_at = 0, tlog.EMPTY_HASH, clock.now()
        state.save()


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


def checkpoint_sign_due() -> int:
    """Tick sweep: sign a checkpoint of the tree when it grew and the last one is at least 10 minutes old,
    when a day has passed since the last one even if it did not grow, or when there is none. Every
    checkpoint is kept. Returns 1 when it signed one."""
    with transaction.atomic():
        state = log_state_lock()
        now = clock.now()
        latest = Checkpoint.objects.order_by("-issued_at", "-pk").first()
        if latest is not None:
            age = now - latest.issued_at
            grown = state.size > latest.size
            if not (age >= SIGN_AT_LEAST_EVERY or (grown and age >= SIGN_WHEN_GROWN_AFTER)):
                return 0
        checkpoint_issue(state=state, now=now)
    return 1


def checkpoint_issue(*, state: LogState, now: dt.datetime) -> Checkpoint:
    """Sign the tree head of `state` (locked) as a C2SP checkpoint in a signed note, and keep it."""
    root_hash = bytes(state.root_hash)
    origin = settings.TRANSPARENCY_LOG_ORIGIN
    text = CheckpointText(origin=origin, size=state.size, root_hash=root_hash).format()
    signed = sign(text, log_signer()).decode()
    return Checkpoint.objects.create(size=state.size, root_hash=root_hash, note=signed, issued_at=now)
