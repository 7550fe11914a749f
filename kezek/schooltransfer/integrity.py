"""The live side of `integrity_check` for the transfers to school (E67): each transfer as the value list
`kezek.integrity.replay` builds (`SCHOOL_TRANSFER_FIELDS`), and its kept package hashed again."""

import hashlib
from collections.abc import Iterator

from .models import SchoolTransfer


def live_transfers(*, chunk_size: int) -> Iterator[tuple[int, int, str, str, str]]:
    """(id, file, state, sha256, the SHA-256 of the kept package text — "" when there is none)."""
    rows = SchoolTransfer.objects.order_by("pk").values_list("pk", "file_id", "state", "sha256", "package")
    for pk, file_id, state, sha256, text in rows.iterator(chunk_size=chunk_size):
        rehashed = hashlib.sha256(text.encode()).hexdigest() if text else ""
        yield pk, file_id, state, sha256, rehashed
