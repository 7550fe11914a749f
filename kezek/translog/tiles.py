"""The tree's hashes as stored: `LogTile` rows read through kezek_verify.tlog (a HashReader over them)."""

from collections.abc import Iterable, Sequence

from django.db.models import Q

from kezek_verify import tlog

from .models import LogTile

HEIGHT = tlog.TILE_HEIGHT


def tile_rows(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, bytes]]:
    """The stored tiles (level, index) → (width, data) among `keys`, in one query."""
    wanted = set(keys)
    if not wanted:
        return {}
    condition = Q()
    for level, index in wanted:
        condition |= Q(level=level, index=index)
    rows = LogTile.objects.filter(condition).values_list("level", "index", "width", "data")
    return {(level, index): (width, bytes(data)) for level, index, width, data in rows}


class StoredHashes:
    """A `tlog.HashReader` over the stored tiles, plus hashes held in memory (`fresh`, by storage index:
    those the integration computed and has not written yet). Tiles read are kept for the reader's life."""

    def __init__(self) -> None:
        self.fresh: dict[int, bytes] = {}
        self._tiles: dict[tuple[int, int], tuple[int, bytes] | None] = {}

    def read_hashes(self, indexes: Sequence[int], /) -> list[bytes]:
        missing = [i for i in indexes if i not in self.fresh]
        if missing:
            self._load(missing)
        return [self.fresh[i] if i in self.fresh else self._stored(i) for i in indexes]

    def _load(self, indexes: list[int]) -> None:
        keys = {(t.L, t.N) for t in (tlog.tile_for_index(HEIGHT, i) for i in indexes)}
        keys -= self._tiles.keys()
        if keys:
            found = tile_rows(keys)
            for key in keys:
                self._tiles[key] = found.get(key)

    def _stored(self, index: int) -> bytes:
        tile = tlog.tile_for_index(HEIGHT, index)
        row = self._tiles.get((tile.L, tile.N))
        if row is None or row[0] < tile.W:
            raise tlog.TlogError(f"hash {index} is not stored")
        width, data = row
        return tlog.hash_from_tile(tlog.Tile(H=HEIGHT, L=tile.L, N=tile.N, W=width), data, index)
