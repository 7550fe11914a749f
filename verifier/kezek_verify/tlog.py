"""Tamper-evident log: RFC 9162 §2.1 Merkle tree hashing, proofs and C2SP tlog-tiles.

A Python port of Go's golang.org/x/mod/sumdb/tlog (tlog.go and tile.go):
    Copyright 2019 The Go Authors. All rights reserved.
    Use of this source code is governed by a BSD-style license
    (BSD-3-Clause; its text, from golang.org/x/mod, is verifier/LICENSE.golang-x-mod).

Differences from the Go package:

- Hashes are 32-byte `bytes`; every public function checks their type and length.
- Errors are raised as `TlogError` (a `ValueError`), never as index or key errors, whatever the input.
- Tile paths follow https://c2sp.org/tlog-tiles, not Go's sumdb scheme: the height is fixed at 8 and is
  not part of the path (`tile/<L>/<N>[.p/<W>]`, where Go writes `tile/<H>/<L>/<N>[.p/<W>]`), and record
  data ("level -1") lives at `tile/entries/<N>[.p/<W>]`, where Go writes `tile/<H>/data/<N>`. The tile
  arithmetic (`Tile`, `tile_for_index`, `new_tiles`, `TileHashReader`) still accepts any height, as Go's
  does; only `tile_path` and `parse_tile_path` insist on 8.
- `TileHashReader` checks every tile it fetches against its parent; Go's skips some of them (see the
  comment in `TileHashReader.read_hashes`).
- Entry bundles (tlog-tiles "log entries": each entry a big-endian uint16 length, then its bytes) are
  encoded and decoded here too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

HASH_SIZE = 32
"""Size of a SHA-256 hash, in bytes."""

TILE_HEIGHT = 8
"""C2SP tlog-tiles height: a full tile holds 2**8 = 256 hashes (or a bundle 256 entries)."""

TILE_WIDTH = 1 << TILE_HEIGHT

MAX_INDEX = (1 << 63) - 1
"""Largest tree size, record number or storage index accepted (Go's int64)."""

EMPTY_HASH = hashlib.sha256(b"").digest()
"""The hash of the empty tree (RFC 9162 §2.1.1): SHA-256 of the empty string."""

Hash = bytes


class TlogError(ValueError):
    """Bad input, malformed data or a failed check (a proof, a tile that does not match the tree)."""


class ProofError(TlogError):
    """A transparency proof does not verify."""

    def __init__(self) -> None:
        super().__init__("invalid transparency proof")


class HashReader(Protocol):
    """Reads hashes of the log's tree by storage index (see `stored_hash_index`)."""

    def read_hashes(self, indexes: Sequence[int], /) -> Sequence[Hash]:
        """The hashes at the given storage indexes, one per index, in the same order."""
        ...


class HashReaderFunc:
    """A function used as a `HashReader`."""

    def __init__(self, func: Callable[[Sequence[int]], Sequence[Hash]]) -> None:
        self._func = func

    def read_hashes(self, indexes: Sequence[int], /) -> Sequence[Hash]:
        return self._func(indexes)


# ---------------------------------------------------------------------------------------------- checks


def _check_int(value: object, what: str, minimum: int = 0) -> int:
    if type(value) is not int or not minimum <= value <= MAX_INDEX:
        raise TlogError(f"tlog: invalid {what}: {value!r}")
    return value


def _check_hash(value: object, what: str = "hash") -> Hash:
    if not isinstance(value, bytes | bytearray | memoryview) or len(value) != HASH_SIZE:
        raise TlogError(f"tlog: malformed {what}")
    return bytes(value)


def _check_proof(proof: object) -> list[Hash]:
    if isinstance(proof, str | bytes | bytearray) or not isinstance(proof, Sequence):
        raise TlogError("tlog: malformed proof")
    return [_check_hash(h, "proof hash") for h in proof]


def _read(r: HashReader, indexes: list[int]) -> list[Hash]:
    """r.read_hashes(indexes), checked: one 32-byte hash per index."""
    try:
        hashes = r.read_hashes(indexes)
        count = len(hashes)
    except TlogError:
        raise
    except (LookupError, TypeError) as e:
        raise TlogError(f"tlog: cannot read hashes: {e}") from e
    if count != len(indexes):
        raise TlogError(f"tlog: ReadHashes({len(indexes)} indexes) = {count} hashes")
    return [_check_hash(h, "stored hash") for h in hashes]


class _BadMathError(AssertionError):
    """An internal invariant failed (Go panics): a bug here, not bad input."""


# --------------------------------------------------------------------------------------------- hashing


def format_hash(h: Hash) -> str:
    """The base64 form of a hash (Go's Hash.String)."""
    return base64.b64encode(_check_hash(h)).decode("ascii")


def parse_hash(s: str) -> Hash:
    """Parses the base64 form of a hash; strict: standard alphabet, padding, canonical encoding."""
    h = _b64decode_strict(s)
    if h is None or len(h) != HASH_SIZE:
        raise TlogError("malformed hash")
    return h


def _b64decode_strict(s: object) -> bytes | None:
    """Standard base64 (RFC 4648 §4) with padding, canonical only; None when malformed."""
    if not isinstance(s, str) or not s.isascii():
        return None
    try:
        data = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return None
    if base64.b64encode(data).decode("ascii") != s:
        return None  # non-zero padding bits: another spelling of the same bytes
    return data


def _maxpow2(n: int) -> tuple[int, int]:
    """k, the largest power of 2 smaller than n, and l = log2 k."""
    level = 0
    while 1 << (level + 1) < n:
        level += 1
    return 1 << level, level


def record_hash(data: bytes) -> Hash:
    """The leaf hash of record data: SHA-256(0x00 || data) (RFC 9162 §2.1.1)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TlogError("tlog: record data must be bytes")
    return hashlib.sha256(b"\x00" + bytes(data)).digest()


def node_hash(left: Hash, right: Hash) -> Hash:
    """The hash of an interior node: SHA-256(0x01 || left || right) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b"\x01" + _check_hash(left) + _check_hash(right)).digest()


# -------------------------------------------------------------------------------------- stored hashes
# For the stored hash index ordering, see section 3.3 of Crosby and Wallach's
# "Efficient Data Structures for Tamper-Evident Logging".


def stored_hash_index(level: int, n: int) -> int:
    """Maps the tree coordinates (level, n) to the dense linear order used for hash storage."""
    _check_int(level, "level")
    if level > 63:
        raise TlogError(f"tlog: invalid level: {level}")
    _check_int(n, "hash number")
    # Level L's n'th hash is written right after level L+1's 2n+1'th hash.
    for _ in range(level):
        n = 2 * n + 1
    # Level 0's n'th hash is written at n+n/2+n/4+... (eventually n/2**i hits zero).
    i = 0
    while n > 0:
        i += n
        n >>= 1
    return i + level


def _trailing_zeros(x: int) -> int:
    return (x & -x).bit_length() - 1


def split_stored_hash_index(index: int) -> tuple[int, int]:
    """The inverse of `stored_hash_index`: (level, n) for a storage index."""
    _check_int(index, "storage index")
    # Determine the level 0 record before index. stored_hash_index(0, n) < 2*n,
    # so the n we want is in [index/2, index/2+log2(index)].
    n = index // 2
    index_n = stored_hash_index(0, n)
    if index_n > index:
        raise _BadMathError("bad math")
    while True:
        # Each new record n adds 1 + trailing_zeros(n+1) hashes.
        x = index_n + 1 + _trailing_zeros(n + 1)
        if x > index:
            break
        n += 1
        index_n = x
    # The hash we want was committed with record n: one of (0, n), (1, n/2), (2, n/4), ...
    level = index - index_n
    return level, n >> level


def stored_hash_count(n: int) -> int:
    """The number of stored hashes expected for a tree with n records."""
    _check_int(n, "tree size")
    if n == 0:
        return 0
    # The hashes up to the last leaf hash, and those of the subtrees completed by that leaf.
    num_hash = stored_hash_index(0, n - 1) + 1
    i = n - 1
    while i & 1:
        num_hash += 1
        i >>= 1
    return num_hash


def stored_hashes(n: int, data: bytes, r: HashReader) -> list[Hash]:
    """The hashes to store, from stored_hash_index(0, n) on, when writing record n with this data.

    Reads up to log2 n earlier hashes from r to compute the hashes of completed subtrees."""
    return stored_hashes_for_record_hash(n, record_hash(data), r)


def stored_hashes_for_record_hash(n: int, h: Hash, r: HashReader) -> list[Hash]:
    """`stored_hashes` given record_hash(data) instead of the data."""
    _check_int(n, "record number")
    h = _check_hash(h)
    hashes = [h]
    # Each trailing 1 bit of n completes a subtree and consumes a hash from an adjacent subtree.
    m = _trailing_zeros(n + 1)
    indexes = [0] * m
    for i in range(m):
        # Sorted order; n >> i is always odd.
        indexes[m - 1 - i] = stored_hash_index(i, (n >> i) - 1)
    old = _read(r, indexes)
    for i in range(m):
        h = node_hash(old[m - 1 - i], h)
        hashes.append(h)
    return hashes


# ------------------------------------------------------------------------------------------ tree hash


def tree_hash(n: int, r: HashReader | None) -> Hash:
    """The root hash of the tree with n records, from its stored hashes (one read of <= 1 + log2 n)."""
    _check_int(n, "tree size")
    if n == 0:
        return EMPTY_HASH
    if r is None:
        raise TlogError("tlog: no hash reader")
    indexes = _sub_tree_index(0, n, [])
    hashes = _read(r, indexes)
    h, rest = _sub_tree_hash(0, n, hashes)
    if rest:
        raise _BadMathError("tlog: bad index math in TreeHash")
    return h


def _sub_tree_index(lo: int, hi: int, need: list[int]) -> list[int]:
    """Appends the storage indexes needed for the hash of the subtree of records [lo, hi)."""
    while lo < hi:
        k, level = _maxpow2(hi - lo + 1)
        if lo & (k - 1):
            raise _BadMathError("tlog: bad math in subTreeIndex")
        need.append(stored_hash_index(level, lo >> level))
        lo += k
    return need


def _sub_tree_hash(lo: int, hi: int, hashes: list[Hash]) -> tuple[Hash, list[Hash]]:
    """The hash of the subtree [lo, hi) from the hashes at _sub_tree_index(lo, hi), and the leftovers."""
    # Repeatedly split off a left side of 2**level records (stored directly); the fringe goes right.
    num_tree = 0
    while lo < hi:
        k, _ = _maxpow2(hi - lo + 1)
        if lo & (k - 1) or lo >= hi:
            raise _BadMathError("tlog: bad math in subTreeHash")
        num_tree += 1
        lo += k
    if len(hashes) < num_tree:
        raise _BadMathError("tlog: bad index math in subTreeHash")
    h = hashes[num_tree - 1]
    for i in range(num_tree - 2, -1, -1):
        h = node_hash(hashes[i], h)
    return h, hashes[num_tree:]


# ---------------------------------------------------------------------------------- inclusion proofs


def prove_record(t: int, n: int, r: HashReader) -> list[Hash]:
    """The proof that the tree of size t contains record n (RFC 9162 §2.1.3 inclusion proof)."""
    if type(t) is not int or type(n) is not int or t < 0 or n < 0 or n >= t or t > MAX_INDEX:
        raise TlogError("tlog: invalid inputs in ProveRecord")
    indexes = _leaf_proof_index(0, t, n, [])
    if not indexes:
        return []
    hashes = _read(r, indexes)
    p, rest = _leaf_proof(0, t, n, hashes)
    if rest:
        raise _BadMathError("tlog: bad index math in ProveRecord")
    return p


def _leaf_proof_index(lo: int, hi: int, n: int, need: list[int]) -> list[int]:
    """Appends the indexes needed for the proof that leaf n is in the subtree [lo, hi)."""
    if not lo <= n < hi:
        raise _BadMathError("tlog: bad math in leafProofIndex")
    if lo + 1 == hi:
        return need
    k, _ = _maxpow2(hi - lo)
    if n < lo + k:
        need = _leaf_proof_index(lo, lo + k, n, need)
        need = _sub_tree_index(lo + k, hi, need)
    else:
        need = _sub_tree_index(lo, lo + k, need)
        need = _leaf_proof_index(lo + k, hi, n, need)
    return need


def _leaf_proof(lo: int, hi: int, n: int, hashes: list[Hash]) -> tuple[list[Hash], list[Hash]]:
    """The proof that leaf n is in the subtree [lo, hi), and the leftover hashes."""
    if not lo <= n < hi:
        raise _BadMathError("tlog: bad math in leafProof")
    if lo + 1 == hi:
        # The leaf itself: the verifier knows its hash.
        return [], hashes
    # Walk down towards n, recording the hash of the path not taken.
    k, _ = _maxpow2(hi - lo)
    if n < lo + k:
        p, hashes = _leaf_proof(lo, lo + k, n, hashes)
        th, hashes = _sub_tree_hash(lo + k, hi, hashes)
    else:
        th, hashes = _sub_tree_hash(lo, lo + k, hashes)
        p, hashes = _leaf_proof(lo + k, hi, n, hashes)
    return [*p, th], hashes


def check_record(proof: Sequence[Hash], t: int, th: Hash, n: int, h: Hash) -> None:
    """Checks that proof shows the tree of size t with root th has record hash h at index n.

    Raises ProofError when it does not, TlogError on malformed input."""
    if type(t) is not int or type(n) is not int or t < 0 or n < 0 or n >= t or t > MAX_INDEX:
        raise TlogError("tlog: invalid inputs in CheckRecord")
    p = _check_proof(proof)
    th = _check_hash(th, "tree hash")
    h = _check_hash(h, "record hash")
    if _run_record_proof(p, 0, t, n, h) != th:
        raise ProofError()


def _run_record_proof(p: list[Hash], lo: int, hi: int, n: int, leaf_hash: Hash) -> Hash:
    """The hash of the subtree [lo, hi) implied by proof p that leaf n has hash leaf_hash."""
    if not lo <= n < hi:
        raise _BadMathError("tlog: bad math in runRecordProof")
    if lo + 1 == hi:
        # The leaf: the proof must not have any unnecessary hashes.
        if p:
            raise ProofError()
        return leaf_hash
    if not p:
        raise ProofError()
    k, _ = _maxpow2(hi - lo)
    if n < lo + k:
        th = _run_record_proof(p[:-1], lo, lo + k, n, leaf_hash)
        return node_hash(th, p[-1])
    th = _run_record_proof(p[:-1], lo + k, hi, n, leaf_hash)
    return node_hash(p[-1], th)


# -------------------------------------------------------------------------------- consistency proofs


def prove_tree(t: int, n: int, r: HashReader) -> list[Hash]:
    """The proof that the tree of size t contains the tree of size n as a prefix (RFC 9162 §2.1.4)."""
    if type(t) is not int or type(n) is not int or t < 1 or n < 1 or n > t or t > MAX_INDEX:
        raise TlogError("tlog: invalid inputs in ProveTree")
    indexes = _tree_proof_index(0, t, n, [])
    if not indexes:
        return []
    hashes = _read(r, indexes)
    p, rest = _tree_proof(0, t, n, hashes)
    if rest:
        raise _BadMathError("tlog: bad index math in ProveTree")
    return p


def _tree_proof_index(lo: int, hi: int, n: int, need: list[int]) -> list[int]:
    """Appends the indexes needed for the sub-proof about the subtree [lo, hi)."""
    if not lo < n <= hi:
        raise _BadMathError("tlog: bad math in treeProofIndex")
    if n == hi:
        if lo == 0:
            return need
        return _sub_tree_index(lo, hi, need)
    k, _ = _maxpow2(hi - lo)
    if n <= lo + k:
        need = _tree_proof_index(lo, lo + k, n, need)
        need = _sub_tree_index(lo + k, hi, need)
    else:
        need = _sub_tree_index(lo, lo + k, need)
        need = _tree_proof_index(lo + k, hi, n, need)
    return need


def _tree_proof(lo: int, hi: int, n: int, hashes: list[Hash]) -> tuple[list[Hash], list[Hash]]:
    """The sub-proof about the subtree [lo, hi), and the leftover hashes."""
    if not lo < n <= hi:
        raise _BadMathError("tlog: bad math in treeProof")
    if n == hi:
        if lo == 0:
            # Exactly the old tree: the verifier knows its hash.
            return [], hashes
        th, hashes = _sub_tree_hash(lo, hi, hashes)
        return [th], hashes
    k, _ = _maxpow2(hi - lo)
    if n <= lo + k:
        p, hashes = _tree_proof(lo, lo + k, n, hashes)
        th, hashes = _sub_tree_hash(lo + k, hi, hashes)
    else:
        th, hashes = _sub_tree_hash(lo, lo + k, hashes)
        p, hashes = _tree_proof(lo + k, hi, n, hashes)
    return [*p, th], hashes


def check_tree(proof: Sequence[Hash], t: int, th: Hash, n: int, h: Hash) -> None:
    """Checks that proof shows the tree of size t with root th contains the tree of size n with root h.

    Raises ProofError when it does not, TlogError on malformed input."""
    if type(t) is not int or type(n) is not int or t < 1 or n < 1 or n > t or t > MAX_INDEX:
        raise TlogError("tlog: invalid inputs in CheckTree")
    p = _check_proof(proof)
    th = _check_hash(th, "tree hash")
    h = _check_hash(h, "old tree hash")
    h2, th2 = _run_tree_proof(p, 0, t, n, h)
    if th2 != th or h2 != h:
        raise ProofError()


def _run_tree_proof(p: list[Hash], lo: int, hi: int, n: int, old: Hash) -> tuple[Hash, Hash]:
    """The hashes of the subtree [lo, hi) in the old tree (size n, root old) and the new one."""
    if not lo < n <= hi:
        raise _BadMathError("tlog: bad math in runTreeProof")
    if n == hi:
        if lo == 0:
            if p:
                raise ProofError()
            return old, old
        if len(p) != 1:
            raise ProofError()
        return p[0], p[0]
    if not p:
        raise ProofError()
    k, _ = _maxpow2(hi - lo)
    if n <= lo + k:
        oh, th = _run_tree_proof(p[:-1], lo, lo + k, n, old)
        return oh, node_hash(th, p[-1])
    oh, th = _run_tree_proof(p[:-1], lo + k, hi, n, old)
    return node_hash(p[-1], oh), node_hash(p[-1], th)


# ---------------------------------------------------------------------------------------------- tiles


@dataclass(frozen=True, slots=True)
class Tile:
    """A tile of height H at level L, number N: W consecutive hashes at tree level H*L from N*2**H on.

    W = 2**H is a full tile, fewer a partial one. L = -1 holds record data instead of hashes (in
    tlog-tiles an entry bundle). Tile() (all zero) stands for "no tile", as in Go."""

    H: int = 0  # height, 1 <= H <= 30 (tlog-tiles: 8)
    L: int = 0  # level, -1 <= L <= 63
    N: int = 0  # number within the level, >= 0
    W: int = 0  # width, 1 <= W <= 2**H

    def path(self) -> str:
        """This tile's C2SP tlog-tiles path (see `tile_path`)."""
        return tile_path(self)


def _check_height(h: object) -> int:
    if type(h) is not int or not 1 <= h <= 30:
        raise TlogError(f"tlog: invalid tile height {h!r}")
    return h


def _tile_for_index(h: int, index: int) -> tuple[Tile, int, int]:
    """The tile of height h storing the hash at index, and the byte range of data to tile-hash."""
    level, n = split_stored_hash_index(index)
    tile_level = level // h
    level -= tile_level * h  # now the level within the tile
    tile_n = (n << level) >> h
    n -= (tile_n << h) >> level  # now n within the tile, at that level
    width = (n + 1) << level
    tile = Tile(H=h, L=tile_level, N=tile_n, W=width)
    return tile, (n << level) * HASH_SIZE, ((n + 1) << level) * HASH_SIZE


def tile_for_index(h: int, index: int) -> Tile:
    """The tile of height h and least width that stores the hash at this storage index."""
    return _tile_for_index(_check_height(h), _check_int(index, "storage index"))[0]


def _valid_hash_tile(t: Tile) -> bool:
    return (
        isinstance(t, Tile)
        and all(type(v) is int for v in (t.H, t.L, t.N, t.W))
        and 1 <= t.H <= 30
        and 0 <= t.L < 64
        and 0 <= t.N <= MAX_INDEX
        and 1 <= t.W <= 1 << t.H
    )


def _describe(t: object) -> str:
    try:
        return tile_path(t) if isinstance(t, Tile) else repr(t)
    except TlogError:
        return repr(t)


def hash_from_tile(t: Tile, data: bytes, index: int) -> Hash:
    """The hash at storage index, read from tile t's data (t as tile_for_index gives it, or wider)."""
    if not _valid_hash_tile(t):
        raise TlogError(f"invalid tile {_describe(t)}")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TlogError("tile data must be bytes")
    if len(data) < t.W * HASH_SIZE:
        raise TlogError(f"data len {len(data)} too short for tile {_describe(t)}")
    _check_int(index, "storage index")
    t1, start, end = _tile_for_index(t.H, index)
    if t.L != t1.L or t.N != t1.N or t.W < t1.W:
        raise TlogError(f"index {index} is in {_describe(t1)} not {_describe(t)}")
    return _tile_hash(bytes(data[start:end]))


def _tile_hash(data: bytes) -> Hash:
    """The subtree hash over the 2**k hashes in data."""
    if not data:
        raise _BadMathError("bad math in tileHash")
    if len(data) == HASH_SIZE:
        return data
    half = len(data) // 2
    return node_hash(_tile_hash(data[:half]), _tile_hash(data[half:]))


def new_tiles(h: int, old_tree_size: int, new_tree_size: int) -> list[Tile]:
    """The tiles of height h to publish when a tree of old_tree_size grows to new_tree_size."""
    _check_height(h)
    _check_int(old_tree_size, "tree size")
    _check_int(new_tree_size, "tree size")
    tiles: list[Tile] = []
    level = 0
    while new_tree_size >> (h * level) > 0:
        old_n = old_tree_size >> (h * level)
        new_n = new_tree_size >> (h * level)
        if old_n != new_n:
            for n in range(old_n >> h, new_n >> h):
                tiles.append(Tile(H=h, L=level, N=n, W=1 << h))
            n = new_n >> h
            w = new_n - (n << h)
            if w > 0:
                tiles.append(Tile(H=h, L=level, N=n, W=w))
        level += 1
    return tiles


def read_tile_data(t: Tile, r: HashReader) -> bytes:
    """Tile t's data (its hashes, concatenated), read from r."""
    if isinstance(t, Tile) and t.W == 0 and type(t.H) is int and 1 <= t.H <= 30:
        t = Tile(H=t.H, L=t.L, N=t.N, W=1 << t.H)  # Go: width 0 means a full tile
    if not _valid_hash_tile(t):
        raise TlogError(f"invalid tile {_describe(t)}")
    size = t.W
    start = t.N << t.H
    indexes = [stored_hash_index(t.H * t.L, start + i) for i in range(size)]
    return b"".join(_read(r, indexes))


# ------------------------------------------------------------------------------ tile paths (C2SP form)

_PATH_BASE = 1000
_TILE_PATH = re.compile(r"tile/(entries|0|[1-9][0-9]?)/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?")


def tile_path(t: Tile) -> str:
    """The C2SP tlog-tiles path of a height-8 tile: `tile/<L>/<N>[.p/<W>]`, or for L = -1 (record data)
    `tile/entries/<N>[.p/<W>]`. N is written in 3-digit groups, all but the last prefixed with "x"
    (1234067 -> x001/x234/067); `.p/<W>` marks a partial tile."""
    if (
        not isinstance(t, Tile)
        or not all(type(v) is int for v in (t.H, t.L, t.N, t.W))
        or t.H != TILE_HEIGHT
        or not -1 <= t.L <= 63
        or not 0 <= t.N <= MAX_INDEX
        or not 1 <= t.W <= TILE_WIDTH
    ):
        raise TlogError(f"tlog: no tlog-tiles path for {t!r}")
    n = t.N
    n_str = f"{n % _PATH_BASE:03d}"
    while n >= _PATH_BASE:
        n //= _PATH_BASE
        n_str = f"x{n % _PATH_BASE:03d}/{n_str}"
    p_str = f".p/{t.W}" if t.W != TILE_WIDTH else ""
    level = "entries" if t.L == -1 else str(t.L)
    return f"tile/{level}/{n_str}{p_str}"


def parse_tile_path(path: str) -> Tile:
    """Parses a C2SP tlog-tiles path (see `tile_path`); the tile has height 8."""
    m = _TILE_PATH.fullmatch(path) if isinstance(path, str) else None
    if m is None:
        raise TlogError(f"malformed tile path {path!r}")
    level_s, n_s, w_s = m.groups()
    level = -1 if level_s == "entries" else int(level_s)
    n = 0
    for group in n_s.split("/"):
        n = n * _PATH_BASE + int(group.removeprefix("x"))
    width = int(w_s) if w_s is not None else TILE_WIDTH
    if level > 63 or n > MAX_INDEX or (w_s is not None and width >= TILE_WIDTH):
        raise TlogError(f"malformed tile path {path!r}")
    t = Tile(H=TILE_HEIGHT, L=level, N=n, W=width)
    if tile_path(t) != path:  # leading x000 groups
        raise TlogError(f"malformed tile path {path!r}")
    return t


# ----------------------------------------------------------------------------------- tile hash reader


def _tile_parent(t: Tile, k: int, n: int) -> Tile:
    """t's k'th tile parent in the tiles of a tree of size n; Tile() if there is none."""
    level = t.L + k
    number = t.N >> (k * t.H)
    width = 1 << t.H
    top = n >> (level * t.H)
    if (number << t.H) + width >= top:
        if number << t.H >= top:
            return Tile()
        width = top - (number << t.H)
    return Tile(H=t.H, L=level, N=number, W=width)


class TileHashReader:
    """A HashReader over the tiles of a tree of known size and root hash (Go's TileHashReader).

    read_tiles(tiles) fetches tiles' data (untrusted, e.g. over HTTP): one bytes object per tile,
    W*32 bytes long. Every read fetches the tiles that recompute the root hash and checks it, then
    checks each further tile against its parent, so any hash returned is proven to be in the tree.
    save_tiles(tiles, data), if given, is called with the tiles once they are verified."""

    def __init__(
        self,
        tree_size: int,
        root_hash: Hash,
        read_tiles: Callable[[list[Tile]], Sequence[bytes]],
        *,
        height: int = TILE_HEIGHT,
        save_tiles: Callable[[list[Tile], list[bytes]], None] | None = None,
    ) -> None:
        self.tree_size = _check_int(tree_size, "tree size")
        self.root_hash = _check_hash(root_hash, "tree hash")
        self.height = _check_height(height)
        self._read_tiles = read_tiles
        self._save_tiles = save_tiles

    def read_hashes(self, indexes: Sequence[int], /) -> list[Hash]:
        h = self.height
        size = self.tree_size
        indexes = [_check_int(x, "storage index") for x in indexes]
        if size == 0:
            if indexes:
                raise TlogError("indexes not in tree")
            return []

        tile_order: dict[Tile, int] = {}  # tile_order[tiles[i]] = i
        tiles: list[Tile] = []

        # Plan to fetch the tiles that recompute the tree hash: if it matches, they are authenticated.
        stx = _sub_tree_index(0, size, [])
        stx_tile_order = [0] * len(stx)
        for i, x in enumerate(stx):
            tile = _tile_parent(_tile_for_index(h, x)[0], 0, size)
            if tile in tile_order:
                stx_tile_order[i] = tile_order[tile]
                continue
            stx_tile_order[i] = len(tiles)
            tile_order[tile] = len(tiles)
            tiles.append(tile)

        stx_tiles = len(tiles)

        # Plan to fetch the tiles holding the indexes, with the parents that authenticate them.
        index_tile_order = [0] * len(indexes)
        limit = stored_hash_index(0, size)
        for i, x in enumerate(indexes):
            if x >= limit:
                raise TlogError("indexes not in tree")
            tile = _tile_for_index(h, x)[0]
            # Walk up parent tiles until one already requested: it will be authenticated.
            k = 0
            while True:
                p = _tile_parent(tile, k, size)
                if p in tile_order:
                    if k == 0:
                        index_tile_order[i] = tile_order[p]
                    break
                k += 1
                if k > 64:
                    raise TlogError(f"bad math in tileHashReader: {size} {x}: no parent tile")
            # Walk back down, recording child tiles after their parents.
            for kk in range(k - 1, -1, -1):
                p = _tile_parent(tile, kk, size)
                if p.W != 1 << p.H:
                    # Only full tiles have parents.
                    raise TlogError(f"bad math in tileHashReader: {size} {x} {p!r}")
                tile_order[p] = len(tiles)
                if kk == 0:
                    index_tile_order[i] = len(tiles)
                tiles.append(p)

        # Fetch all the tile data.
        try:
            fetched = self._read_tiles(list(tiles))
            data = [bytes(d) for d in fetched]
        except TlogError:
            raise
        except (LookupError, TypeError) as e:
            raise TlogError(f"cannot read tiles: {e}") from e
        if len(data) != len(tiles):
            raise TlogError(f"TileReader returned bad result slice (len={len(data)}, want {len(tiles)})")
        for tile, d in zip(tiles, data, strict=True):
            if len(d) != tile.W * HASH_SIZE:
                raise TlogError(
                    f"TileReader returned bad result slice ({_describe(tile)} len={len(d)}, "
                    f"want {tile.W * HASH_SIZE})"
                )

        # Authenticate the tiles that give the tree hash (parents come before children).
        j = stx_tile_order[-1]
        th = hash_from_tile(tiles[j], data[j], stx[-1])
        for i in range(len(stx) - 2, -1, -1):
            j = stx_tile_order[i]
            th = node_hash(hash_from_tile(tiles[j], data[j], stx[i]), th)
        if th != self.root_hash:
            # The tiles do not support the tree hash: at least one is wrong, we cannot tell which.
            raise TlogError("downloaded inconsistent tile")

        # Authenticate the other (full) tiles against their parents, parents first. Go starts this loop at
        # len(stx), the number of subtree hashes, not of the distinct tiles holding them: when several of
        # those hashes share a tile (the usual case), the first tiles planned for the indexes are never
        # checked, and a forged leaf tile goes through. Here every tile after the tree hash's is checked.
        for i in range(stx_tiles, len(tiles)):
            tile = tiles[i]
            p = _tile_parent(tile, 1, size)
            if p not in tile_order:
                raise TlogError(f"bad math in tileHashReader {size} {indexes}: lost parent of {tile!r}")
            ph = hash_from_tile(p, data[tile_order[p]], stored_hash_index(p.L * p.H, tile.N))
            if ph != _tile_hash(data[i]):
                raise TlogError("downloaded inconsistent tile")

        # All the tiles are authenticated against the trusted tree hash.
        if self._save_tiles is not None:
            self._save_tiles(list(tiles), list(data))

        return [hash_from_tile(tiles[j], data[j], x) for j, x in zip(index_tile_order, indexes, strict=True)]


# ------------------------------------------------------------------------------------- entry bundles


def encode_entry_bundle(entries: Iterable[bytes]) -> bytes:
    """A tlog-tiles entry bundle: each entry as a big-endian uint16 length, then its bytes."""
    out = bytearray()
    for entry in entries:
        if not isinstance(entry, bytes | bytearray | memoryview):
            raise TlogError("tlog: an entry must be bytes")
        if len(entry) > 0xFFFF:
            raise TlogError(f"tlog: entry of {len(entry)} bytes is too long for an entry bundle")
        out += len(entry).to_bytes(2, "big")
        out += entry
    return bytes(out)


def decode_entry_bundle(data: bytes, width: int | None = None) -> list[bytes]:
    """The entries of a tlog-tiles entry bundle; with width given, exactly that many are required."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TlogError("tlog: entry bundle must be bytes")
    data = bytes(data)
    entries: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise TlogError(f"tlog: entry bundle truncated in the length of entry {len(entries)}")
        length = int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        if pos + length > len(data):
            raise TlogError(f"tlog: entry bundle truncated in entry {len(entries)}")
        entries.append(data[pos : pos + length])
        pos += length
    if width is not None and len(entries) != width:
        raise TlogError(f"tlog: entry bundle has {len(entries)} entries, want {width}")
    return entries
