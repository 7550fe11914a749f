"""Reading the transparency log: its size, checkpoints, tiles, entries and proofs (issue 17, item 4)."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kezek.ledger.models import LedgerEvent
from kezek_verify import tlog

from .models import Checkpoint, LogState, LogTile
from .public import public_form
from .tiles import HEIGHT, StoredHashes

ENTRIES_MAX = 1000  # entries per API request


@dataclass(frozen=True)
class TreeHead:
    size: int
    root_hash: bytes


def log_head() -> TreeHead:
    """The tree as integrated so far (not necessarily signed yet)."""
    state = LogState.objects.filter(pk=1).first()
    if state is None:
        return TreeHead(size=0, root_hash=tlog.EMPTY_HASH)
    return TreeHead(size=state.size, root_hash=bytes(state.root_hash))


def checkpoint_latest() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-issued_at", "-pk").first()


def checkpoint_list() -> QuerySet[Checkpoint]:
    """Every checkpoint issued, newest first."""
    return Checkpoint.objects.order_by("-issued_at", "-pk")


def hash_tile(*, level: int, index: int, width: int) -> bytes | None:
    """The data of hash tile `level/index` of `width` hashes (a prefix of a wider stored tile), or None
    while the tree does not reach that far."""
    row = (
        LogTile.objects.filter(level=level, index=index, width__gte=width)
        .values_list("data", flat=True)
        .first()
    )
    return None if row is None else bytes(row)[: width * tlog.HASH_SIZE]


def entries(*, start: int, end: int) -> list[bytes]:
    """The public forms of leaves start … end - 1 (ledger events start + 1 … end), within the tree."""
    if not 0 <= start <= end <= log_head().size:
        raise ValueError("entries out of range")
    events = LedgerEvent.objects.filter(seq__gt=start, seq__lte=end).order_by("seq")
    forms = [public_form(event) for event in events.iterator(chunk_size=ENTRIES_MAX)]
    if len(forms) != end - start:
        raise ValueError("the ledger does not hold these entries")
    return forms


def entry_bundle(*, index: int, width: int) -> bytes | None:
    """The tlog-tiles entry bundle `tile/entries/<index>` of `width` entries, or None beyond the tree."""
    start = index << HEIGHT
    end = start + width
    if end > log_head().size:
        return None
    return tlog.encode_entry_bundle(entries(start=start, end=end))


def inclusion_proof(*, index: int, size: int) -> list[bytes]:
    """RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves (size <= the tree's)."""
    return tlog.prove_record(size, index, StoredHashes())


def inclusion_proofs(*, indexes: Sequence[int], size: int) -> list[list[bytes]]:
    """`inclusion_proof` of each leaf of `indexes` in the tree of `size` leaves, reading each tile once."""
    hashes = StoredHashes()
    return [tlog.prove_record(size, index, hashes) for index in indexes]


def subject_events(*, subjects: Mapping[str, Collection[str]], size: int) -> list[LedgerEvent]:
    """The ledger events about the given subjects (subject type → ids) among the first `size` leaves of
    the tree (seq <= size), in ledger order; one query, probing `ledger_event_subject_idx`."""
    condition = Q()
    for subject_type, ids in subjects.items():
        if ids:
            condition |= Q(subject_type=subject_type, subject_id__in=sorted(set(ids)))
    if not condition:
        return []
    return list(LedgerEvent.objects.filter(condition, seq__lte=size).order_by("seq"))


def consistency_proof(*, old: int, new: int) -> list[bytes]:
    """RFC 9162 consistency proof of the tree of `old` leaves in the tree of `new` leaves."""
    return tlog.prove_tree(new, old, StoredHashes())


def root_hash(*, size: int) -> bytes:
    """The root hash of the tree's first `size` leaves."""
    return tlog.tree_hash(size, StoredHashes())
