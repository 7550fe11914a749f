"""kezek_verify.tlog: Go's sumdb/tlog tests (tlog_test.go, tile_test.go), RFC 6962 / RFC 9162 test vectors,
C2SP tlog-tiles paths and entry bundles, and malformed input (always TlogError)."""

from __future__ import annotations

import hashlib
import itertools
import random
import string
from collections.abc import Sequence

import pytest

from kezek_verify import tlog
from kezek_verify.tlog import (
    EMPTY_HASH,
    HASH_SIZE,
    HashReaderFunc,
    ProofError,
    Tile,
    TileHashReader,
    TlogError,
    check_record,
    check_tree,
    decode_entry_bundle,
    encode_entry_bundle,
    format_hash,
    hash_from_tile,
    new_tiles,
    node_hash,
    parse_hash,
    parse_tile_path,
    prove_record,
    prove_tree,
    read_tile_data,
    record_hash,
    split_stored_hash_index,
    stored_hash_count,
    stored_hash_index,
    stored_hashes,
    tile_for_index,
    tile_path,
    tree_hash,
)


class Storage(list[bytes]):
    """Go's testHashStorage: every stored hash, in storage order."""

    def read_hashes(self, indexes: Sequence[int], /) -> list[bytes]:
        # Not required of a HashReader, but the functions under test only ever ask in increasing order.
        assert all(a < b for a, b in itertools.pairwise(indexes)), "indexes out of order"
        return [self[x] for x in indexes]


class TilesStorage:
    """Go's testTilesStorage: serves stored tiles and counts fetched-but-unsaved ones."""

    def __init__(self, tiles: dict[Tile, bytes]) -> None:
        self.tiles = tiles
        self.unsaved = 0

    def read(self, tiles: list[Tile]) -> list[bytes]:
        self.unsaved += len(tiles)
        return [self.tiles[t] for t in tiles]

    def save(self, tiles: list[Tile], data: list[bytes]) -> None:
        self.unsaved -= len(tiles)


def flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 1]) + h[1:]


def build(leaves: Sequence[bytes]) -> Storage:
    storage = Storage()
    for i, data in enumerate(leaves):
        storage.extend(stored_hashes(i, data, storage))
    return storage


# ------------------------------------------------------------------------------- Go's TestTree (H = 2)


def test_tree() -> None:
    """Go's TestTree: 100 records, tiles of height 2; every proof of every tree size, by storage and by
    TileHashReader, and every corrupted proof hash rejected."""
    test_h = 2
    trees: list[bytes] = []
    leaf_hashes: list[bytes] = []
    storage = Storage()
    tiles: dict[Tile, bytes] = {}
    for i in range(100):
        data = f"leaf {i}".encode()
        hashes = stored_hashes(i, data, storage)
        leaf_hashes.append(record_hash(data))
        old_storage = len(storage)
        storage.extend(hashes)
        assert stored_hash_count(i + 1) == len(storage)
        th = tree_hash(i + 1, storage)

        for tile in new_tiles(test_h, i, i + 1):
            tile_data = read_tile_data(tile, storage)
            old = Tile(H=tile.H, L=tile.L, N=tile.N, W=tile.W - 1)
            old_data = tiles.get(old, b"")
            assert len(old_data) == len(tile_data) - HASH_SIZE
            assert tile_data[: len(old_data)] == old_data, f"tile {tile} not extending earlier tile {old}"
            tiles[tile] = tile_data
        for tile in new_tiles(test_h, 0, i + 1) + new_tiles(test_h, i // 2, i + 1):
            assert tiles[tile] == read_tile_data(tile, storage), f"mismatch at {tile}"

        # All the new hashes are readable from their tiles.
        for j in range(old_storage, len(storage)):
            tile = tile_for_index(test_h, j)
            assert tile in tiles, f"tile_for_index({test_h}, {j}) = {tile}, not yet stored"
            assert hash_from_tile(tile, tiles[tile], j) == storage[j]

        trees.append(th)

        # Leaf proofs, for all trees and leaves so far.
        for j in range(i + 1):
            p = prove_record(i + 1, j, storage)
            check_record(p, i + 1, th, j, leaf_hashes[j])
            for k in range(len(p)):
                corrupt = [*p[:k], flip(p[k]), *p[k + 1 :]]
                with pytest.raises(ProofError):
                    check_record(corrupt, i + 1, th, j, leaf_hashes[j])

        # Leaf proofs through tiles: reading a leaf hash proves it; the proof can be made too.
        tile_storage = TilesStorage(tiles)
        thr = TileHashReader(i + 1, th, tile_storage.read, height=test_h, save_tiles=tile_storage.save)
        for j in range(i + 1):
            assert thr.read_hashes([stored_hash_index(0, j)]) == [leaf_hashes[j]]
            p = prove_record(i + 1, j, thr)
            check_record(p, i + 1, th, j, leaf_hashes[j])
        assert tile_storage.unsaved == 0

        # An index not in the tree is an error.
        with pytest.raises(TlogError):
            thr.read_hashes([(i + 1) * 2])
        assert tile_storage.unsaved == 0

        # Tree proofs, for all trees so far, through tiles.
        for j in range(i + 1):
            assert tree_hash(j + 1, thr) == trees[j]
            p = prove_tree(i + 1, j + 1, thr)
            check_tree(p, i + 1, th, j + 1, trees[j])
            for k in range(len(p)):
                corrupt = [*p[:k], flip(p[k]), *p[k + 1 :]]
                with pytest.raises(ProofError):
                    check_tree(corrupt, i + 1, th, j + 1, trees[j])
        assert tile_storage.unsaved == 0


def test_split_stored_hash_index() -> None:
    for level in range(10):
        for n in range(100):
            x = stored_hash_index(level, n)
            assert split_stored_hash_index(x) == (level, n)


def test_empty_tree() -> None:
    assert tree_hash(0, None) == hashlib.sha256(b"").digest() == EMPTY_HASH
    assert EMPTY_HASH.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize(
    ("old", "new", "want"),
    [
        (1, 1, 0),
        (100, 101, 1),
        (1023, 1025, 3),
        (1024, 1030, 1),
        (1030, 2000, 1),
        (1030, 10000, 10),
        (49516517, 49516586, 3),
    ],
)
def test_new_tiles_for_size(old: int, new: int, want: int) -> None:
    """Go's TestNewTilesForSize (height 10)."""
    assert len(new_tiles(10, old, new)) == want


# --------------------------------------------------------------------- RFC 6962 / RFC 9162 test vectors
# The classic certificate-transparency tree: leaf inputs and the roots of its first 1..8 leaves, as in
# transparency-dev/merkle's test vector generator and certificate-transparency's merkle_tree_test.

CT_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    bytes.fromhex(h)
    for h in [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]
# The leaf hashes of that tree (transparency-dev's tlog client test, nodeHashes level 0).
CT_LEAF_HASHES = [
    bytes.fromhex(h)
    for h in [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ]
]
H = bytes.fromhex
# (leaf index, tree size, audit path); the generator writes 1-based leaf numbers, these are 0-based.
CT_INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [H("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            H("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]
# (old size, new size, consistency proof).
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            H("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]


def test_ct_leaf_hashes_and_roots() -> None:
    assert [record_hash(leaf) for leaf in CT_LEAVES] == CT_LEAF_HASHES
    storage = build(CT_LEAVES)
    assert [tree_hash(n, storage) for n in range(1, 9)] == CT_ROOTS


@pytest.mark.parametrize(("index", "size", "proof"), CT_INCLUSION)
def test_ct_inclusion_proofs(index: int, size: int, proof: list[bytes]) -> None:
    storage = build(CT_LEAVES)
    assert prove_record(size, index, storage) == proof
    root, leaf = CT_ROOTS[size - 1], CT_LEAF_HASHES[index]
    check_record(proof, size, root, index, leaf)
    # transparency-dev's corruptions: each must fail.
    some_hash = H("abacaba000000000000000000000000000000000000000000060061e00123456")
    bad: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
        (index + 1, size, root, leaf, proof),
        (index ^ 2, size, root, leaf, proof),
        (index, size * 2, root, leaf, proof),
        (index, size, root, record_hash(b"WrongLeaf"), proof),
        (index, size, EMPTY_HASH, leaf, proof),
        (index, size, some_hash, leaf, proof),
        (index, size, root, leaf, [*proof, root]),
        (index, size, root, leaf, [root, *proof]),
    ]
    if index > 0:
        bad.append((index - 1, size, root, leaf, proof))
    if size // 2 > index:
        bad.append((index, size // 2, root, leaf, proof))
    for i in range(len(proof)):
        flipped = bytes([proof[i][0] ^ 8]) + proof[i][1:]
        bad.append((index, size, root, leaf, [*proof[:i], flipped, *proof[i + 1 :]]))
    if proof:
        bad.append((index, size, root, leaf, proof[:-1]))
    if len(proof) > 1:
        bad.append((index, size, root, leaf, [proof[0], some_hash, *proof[1:]]))
    accepted = []
    for i, (n, t, th, h, p) in enumerate(bad):
        if n >= t:
            continue
        try:
            check_record(p, t, th, n, h)
        except ProofError:
            continue
        accepted.append(i)
    assert accepted == [], "corrupted proofs accepted"


@pytest.mark.parametrize(("old", "new", "proof"), CT_CONSISTENCY)
def test_ct_consistency_proofs(old: int, new: int, proof: list[bytes]) -> None:
    storage = build(CT_LEAVES)
    assert prove_tree(new, old, storage) == proof
    root1, root2 = CT_ROOTS[old - 1], CT_ROOTS[new - 1]
    check_tree(proof, new, root2, old, root1)
    if not proof:
        return
    bad = [
        (old + 1, new, root1, root2, proof),
        (old ^ 2, new, root1, root2, proof),
        (old, new * 2, root1, root2, proof),
        (old, new, record_hash(b"WrongRoot"), root2, proof),
        (old, new, root1, record_hash(b"WrongRoot"), proof),
        (old, new, root2, root1, proof),
        (old, new, root1, root2, []),
        (old, new, root1, root2, [*proof, root1]),
        (old, new, root1, root2, [*proof, root2]),
        (old, new, root1, root2, [root1, *proof]),
        (old, new, root1, root2, [root2, *proof]),
        (old, new, root1, root2, [proof[0], *proof]),
        (old, new, root1, root2, proof[:-1]),
    ]
    if old > 1:
        bad.append((old - 1, new, root1, root2, proof))
    if new // 2 >= old:
        bad.append((old, new // 2, root1, root2, proof))
    for i in range(len(proof)):
        flipped = bytes([proof[i][0] ^ 16]) + proof[i][1:]
        bad.append((old, new, root1, root2, [*proof[:i], flipped, *proof[i + 1 :]]))
    accepted = []
    for i, (n, t, h, th, p) in enumerate(bad):
        if not 1 <= n <= t:
            continue
        try:
            check_tree(p, t, th, n, h)
        except ProofError:
            continue
        accepted.append(i)
    assert accepted == [], "corrupted proofs accepted"


def test_proofs_over_all_small_sizes() -> None:
    """Every inclusion and consistency proof of every tree up to 33 records, against a plain recursive
    RFC 9162 §2.1 implementation."""
    leaves = [f"record {i}".encode() for i in range(33)]

    def mth(d: Sequence[bytes]) -> bytes:
        if not d:
            return EMPTY_HASH
        if len(d) == 1:
            return record_hash(d[0])
        k = 1 << ((len(d) - 1).bit_length() - 1)
        return node_hash(mth(d[:k]), mth(d[k:]))

    def path(m: int, d: Sequence[bytes]) -> list[bytes]:
        if len(d) == 1:
            return []
        k = 1 << ((len(d) - 1).bit_length() - 1)
        if m < k:
            return [*path(m, d[:k]), mth(d[k:])]
        return [*path(m - k, d[k:]), mth(d[:k])]

    def subproof(m: int, d: Sequence[bytes], whole: bool) -> list[bytes]:
        if m == len(d):
            return [] if whole else [mth(d)]
        k = 1 << ((len(d) - 1).bit_length() - 1)
        if m <= k:
            return [*subproof(m, d[:k], whole), mth(d[k:])]
        return [*subproof(m - k, d[k:], False), mth(d[:k])]

    storage = build(leaves)
    for t in range(1, len(leaves) + 1):
        root = mth(leaves[:t])
        assert tree_hash(t, storage) == root
        for n in range(t):
            proof = prove_record(t, n, storage)
            assert proof == path(n, leaves[:t])
            check_record(proof, t, root, n, record_hash(leaves[n]))
        for n in range(1, t + 1):
            proof = prove_tree(t, n, storage)
            assert proof == subproof(n, leaves[:t], True)
            check_tree(proof, t, root, n, mth(leaves[:n]))


# ---------------------------------------------------------------------------- C2SP tlog-tiles (H = 8)


def test_c2sp_example_tiles_of_a_70000_tree() -> None:
    """tlog-tiles: "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
    tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one partial level 2
    tile of width 1"; and a tree of 256 by a full level 0 tile and a partial level 1 tile of width 1."""
    tiles = new_tiles(8, 0, 70000)
    assert [t for t in tiles if t.L == 0 and t.W == 256] == [Tile(8, 0, n, 256) for n in range(273)]
    assert [t for t in tiles if t.L > 0 or t.W < 256] == [
        Tile(8, 0, 273, 112),
        Tile(8, 1, 0, 256),
        Tile(8, 1, 1, 17),
        Tile(8, 2, 0, 1),
    ]
    assert new_tiles(8, 0, 256) == [Tile(8, 0, 0, 256), Tile(8, 1, 0, 1)]
    assert new_tiles(8, 0, 0) == []


@pytest.fixture(scope="module")
def big_log() -> tuple[list[bytes], Storage]:
    leaves = [f"entry {i}".encode() for i in range(70000)]
    return leaves, build(leaves)


@pytest.mark.parametrize("size", [1, 255, 256, 257, 511, 512, 65535, 65536, 65537, 70000])
def test_tile_hash_reader_height_8(big_log: tuple[list[bytes], Storage], size: int) -> None:
    """A log served as tlog-tiles: every tile a tree needs, read back through TileHashReader, proves leaves
    and earlier trees, and a tampered tile is refused."""
    leaves, storage = big_log
    tiles = {t: read_tile_data(t, storage) for t in new_tiles(8, 0, size)}
    # Level 0 tiles are the record hashes of the entry bundles.
    for t, data in tiles.items():
        if t.L == 0:
            bundle = encode_entry_bundle(leaves[t.N * 256 : t.N * 256 + t.W])
            assert b"".join(record_hash(e) for e in decode_entry_bundle(bundle, t.W)) == data
    root = tree_hash(size, storage)
    served = TilesStorage(tiles)
    thr = TileHashReader(size, root, served.read, save_tiles=served.save)
    for n in sorted({0, 1, size // 3, size // 2, size - 256, size - 2, size - 1}):
        if not 0 <= n < size:
            continue
        assert thr.read_hashes([stored_hash_index(0, n)]) == [record_hash(leaves[n])]
        check_record(prove_record(size, n, thr), size, root, n, record_hash(leaves[n]))
    for old in sorted({1, size // 2, size - 1, size}):
        if old >= 1:
            old_root = tree_hash(old, thr)
            assert old_root == tree_hash(old, storage)
            check_tree(prove_tree(size, old, thr), size, root, old, old_root)
    assert served.unsaved == 0
    with pytest.raises(TlogError, match="not in tree"):
        thr.read_hashes([stored_hash_index(0, size)])
    # One flipped bit in any tile a read fetches: refused. (Go's TileHashReader lets some through.)
    fetched: list[Tile] = []

    def fetch(ts: list[Tile]) -> list[bytes]:
        fetched.extend(ts)
        return served.read(ts)

    for n in sorted({0, size // 3, size - 1}):
        fetched.clear()
        TileHashReader(size, root, fetch).read_hashes([stored_hash_index(0, n)])
        for t in fetched:
            good = tiles[t]
            for pos in (0, len(good) - 1):
                tiles[t] = good[:pos] + bytes([good[pos] ^ 1]) + good[pos + 1 :]
                try:
                    with pytest.raises(TlogError, match="inconsistent tile"):
                        thr.read_hashes([stored_hash_index(0, n)])
                finally:
                    tiles[t] = good
    with pytest.raises(TlogError, match="inconsistent tile"):
        TileHashReader(size, flip(root), served.read).read_hashes([stored_hash_index(0, 0)])


TILE_PATHS = [
    ("tile/0/001", Tile(8, 0, 1, 256)),
    ("tile/0/001.p/5", Tile(8, 0, 1, 5)),
    ("tile/5/x123/x456/078", Tile(8, 5, 123456078, 256)),
    ("tile/5/x123/x456/078.p/2", Tile(8, 5, 123456078, 2)),
    ("tile/0/x003/x057/500", Tile(8, 0, 3057500, 256)),
    ("tile/0/x001/x234/067", Tile(8, 0, 1234067, 256)),  # tlog-tiles' own example
    ("tile/63/000.p/255", Tile(8, 63, 0, 255)),
    ("tile/entries/x003/x057/500", Tile(8, -1, 3057500, 256)),
    ("tile/entries/000.p/1", Tile(8, -1, 0, 1)),
]


@pytest.mark.parametrize(("path", "tile"), TILE_PATHS)
def test_tile_path(path: str, tile: Tile) -> None:
    """Go's TestTilePath, in the C2SP form (height 8, not in the path; data tiles under tile/entries)."""
    assert tile_path(tile) == tile.path() == path
    assert parse_tile_path(path) == tile


@pytest.mark.parametrize(
    "path",
    [
        "tile/5/123/456/078",
        "tile/-1/123/456/078",
        "tile/8/0/001",
        "tile/3/5/x123/x456/078",
        "tile/1/data/x003/x057/500",
        "tile/data/001",
        "tile/0/001.p/256",
        "tile/0/001.p/0",
        "tile/0/001.p/05",
        "tile/0/001.p/",
        "tile/0/001.p",
        "tile/00/001",
        "tile/64/000",
        "tile/0/x000/001",
        "tile/0/1",
        "tile/0/0001",
        "tile/0/001/",
        "/tile/0/001",
        "tile/0/001\n",
        "tile/0/X001/002",
        "tile/0/x001",
        "tile/0/\u0660\u0660\u0661",
        "tile/\u0661/001",
        "tile/0/001.p/\u0665",
        "tile//001",
        "tile/0/",
        "tile",
        "",
        "tile/entries/001.p/999",
        "tile/entries",
        "tiles/0/001",
        "tile/0/x9999999999/000",
    ],
)
def test_tile_path_malformed(path: str) -> None:
    with pytest.raises(TlogError, match="malformed tile path"):
        parse_tile_path(path)


def test_tile_path_fuzz() -> None:
    """Go's FuzzParseTilePath, a fixed corpus: never anything but a Tile or TlogError."""
    rng = random.Random(17)
    alphabet = "tile/entrsx.p0123456789-" + string.printable
    seeds = [p for p, _ in TILE_PATHS]
    for _ in range(20000):
        if rng.random() < 0.5:
            s = list(rng.choice(seeds))
            for _ in range(rng.randint(1, 3)):
                pos = rng.randrange(len(s) + 1)
                if rng.random() < 0.5 and pos < len(s):
                    del s[pos]
                else:
                    s.insert(pos, rng.choice(alphabet))
            path = "".join(s)
        else:
            path = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        try:
            t = parse_tile_path(path)
        except TlogError:
            continue
        assert tile_path(t) == path


def test_tile_path_not_height_8() -> None:
    for t in [
        Tile(2, 0, 0, 4),
        Tile(8, 0, 0, 0),
        Tile(8, 0, 0, 257),
        Tile(8, 64, 0, 1),
        Tile(8, -2, 0, 1),
        Tile(8, 0, -1, 1),
        Tile(),
    ]:
        with pytest.raises(TlogError):
            tile_path(t)


def test_entry_bundles() -> None:
    entries = [b"", b"a", b"\x00" * 300, bytes(range(256)) * 255 + b"x" * 255]
    bundle = encode_entry_bundle(entries)
    assert bundle[:5] == b"\x00\x00\x00\x01a"
    assert decode_entry_bundle(bundle) == entries
    assert decode_entry_bundle(bundle, 4) == entries
    assert decode_entry_bundle(b"") == []
    with pytest.raises(TlogError, match="too long"):
        encode_entry_bundle([b"x" * 65536])
    for bad in [b"\x00", b"\x00\x02a", bundle[:-1], bundle + b"\x00"]:
        with pytest.raises(TlogError, match="truncated"):
            decode_entry_bundle(bad)
    with pytest.raises(TlogError, match="3 entries, want 4"):
        decode_entry_bundle(encode_entry_bundle(entries[:3]), 4)
    with pytest.raises(TlogError):
        encode_entry_bundle(["text"])  # type: ignore[list-item]


# ------------------------------------------------------------------------------------- malformed input


def test_hash_text_form() -> None:
    h = record_hash(b"x")
    assert parse_hash(format_hash(h)) == h
    for bad in [
        "",
        "AAAA",
        format_hash(h)[:-1],
        format_hash(h) + "=",
        format_hash(h).replace("=", ""),
        format_hash(h)[:-2] + "B=",
        " " + format_hash(h),
        "é" * 44,
        17,
    ]:
        with pytest.raises(TlogError, match="malformed hash"):
            parse_hash(bad)  # type: ignore[arg-type]


def test_invalid_proof_inputs() -> None:
    storage = build(CT_LEAVES)
    root, leaf = CT_ROOTS[7], CT_LEAF_HASHES[0]
    proof = prove_record(8, 0, storage)
    for t, n in [(0, 0), (8, 8), (8, -1), (-1, 0), (True, 0), (8.0, 0), (1 << 63, 0)]:
        with pytest.raises(TlogError, match="invalid inputs"):
            check_record(proof, t, root, n, leaf)  # type: ignore[arg-type]
        with pytest.raises(TlogError, match="invalid inputs"):
            prove_record(t, n, storage)  # type: ignore[arg-type]
    for t, n in [(8, 0), (8, 9), (0, 0), (-1, 1), (1 << 63, 1)]:
        with pytest.raises(TlogError, match="invalid inputs"):
            check_tree([], t, root, n, leaf)
        with pytest.raises(TlogError, match="invalid inputs"):
            prove_tree(t, n, storage)
    bad_proofs = [[proof[0][:31], *proof[1:]], [*proof, b""], [proof[0].hex(), *proof[1:]], "abc", b"x" * 96]
    for bad_proof in [*bad_proofs, None, [None]]:
        with pytest.raises(TlogError, match="malformed proof"):
            check_record(bad_proof, 8, root, 0, leaf)  # type: ignore[arg-type]
        with pytest.raises(TlogError, match="malformed proof"):
            check_tree(bad_proof, 8, root, 1, leaf)  # type: ignore[arg-type]
    for bad_hash in [root[:31], root + b"\x00", root.hex(), None]:
        with pytest.raises(TlogError, match="malformed"):
            check_record(proof, 8, bad_hash, 0, leaf)  # type: ignore[arg-type]
        with pytest.raises(TlogError, match="malformed"):
            check_record(proof, 8, root, 0, bad_hash)  # type: ignore[arg-type]
        with pytest.raises(TlogError, match="malformed"):
            node_hash(root, bad_hash)  # type: ignore[arg-type]
    with pytest.raises(TlogError):
        record_hash("text")  # type: ignore[arg-type]


def test_bad_hash_readers() -> None:
    storage = build(CT_LEAVES)
    for reader in [
        HashReaderFunc(lambda indexes: []),  # too few
        HashReaderFunc(lambda indexes: [b"\x00" * 32] * (len(indexes) + 1)),  # too many
        HashReaderFunc(lambda indexes: [b"\x00" * 31 for _ in indexes]),  # short hashes
        HashReaderFunc(lambda indexes: ["0" * 32 for _ in indexes]),  # type: ignore[misc]
        HashReaderFunc(lambda indexes: [storage[x + 1000] for x in indexes]),  # IndexError
        HashReaderFunc(lambda indexes: None),  # type: ignore[arg-type,return-value]
    ]:
        with pytest.raises(TlogError):
            tree_hash(7, reader)
        with pytest.raises(TlogError):
            prove_record(7, 3, reader)
        with pytest.raises(TlogError):
            prove_tree(7, 3, reader)
        with pytest.raises(TlogError):
            stored_hashes(7, b"x", reader)
        with pytest.raises(TlogError):
            read_tile_data(Tile(2, 0, 0, 4), reader)
    with pytest.raises(TlogError):
        tree_hash(1, None)


def test_bad_indexes_and_tiles() -> None:
    for level, n in [(-1, 0), (0, -1), (64, 0), (0, 1 << 63), ("0", 0)]:
        with pytest.raises(TlogError):
            stored_hash_index(level, n)  # type: ignore[arg-type]
    for index in [-1, 1 << 63, 1.5]:
        with pytest.raises(TlogError):
            split_stored_hash_index(index)  # type: ignore[arg-type]
        with pytest.raises(TlogError):
            tile_for_index(8, index)  # type: ignore[arg-type]
    with pytest.raises(TlogError):
        stored_hash_count(-1)
    for h in [0, -1, 31]:
        with pytest.raises(TlogError):
            tile_for_index(h, 0)
        with pytest.raises(TlogError):
            new_tiles(h, 0, 1)
    with pytest.raises(TlogError):
        new_tiles(8, -1, 1)

    storage = build([str(i).encode() for i in range(10)])
    t = tile_for_index(2, stored_hash_index(0, 5))
    data = read_tile_data(t, storage)
    assert hash_from_tile(t, data, stored_hash_index(0, 5)) == storage[stored_hash_index(0, 5)]
    with pytest.raises(TlogError, match="too short"):
        hash_from_tile(t, data[:-1], stored_hash_index(0, 5))
    with pytest.raises(TlogError, match="is in"):
        hash_from_tile(t, data, stored_hash_index(0, 0))
    bad_tiles = [Tile(0, 0, 0, 1), Tile(2, -1, 1, 2), Tile(2, 0, 1, 5), Tile(2, 0, 1, 0), Tile(2, 64, 0, 1)]
    for bad_tile in bad_tiles:
        with pytest.raises(TlogError, match="invalid tile"):
            hash_from_tile(bad_tile, data, stored_hash_index(0, 5))
    with pytest.raises(TlogError):
        hash_from_tile(t, "text", 0)  # type: ignore[arg-type]
    with pytest.raises(TlogError):
        read_tile_data(Tile(2, -1, 0, 4), storage)
    assert read_tile_data(Tile(2, 0, 0, 0), storage) == read_tile_data(Tile(2, 0, 0, 4), storage)


def test_tile_hash_reader_bad_servers() -> None:
    storage = build([str(i).encode() for i in range(300)])
    root = tree_hash(300, storage)
    tiles = {t: read_tile_data(t, storage) for t in new_tiles(8, 0, 300)}
    index = [stored_hash_index(0, 7)]

    def serve(change: object) -> TileHashReader:
        def read(ts: list[Tile]) -> list[bytes]:
            out = [tiles[t] for t in ts]
            return change(out) if callable(change) else out

        return TileHashReader(300, root, read)

    assert serve(None).read_hashes(index) == [storage[index[0]]]
    for change, message in [
        (lambda out: out[:-1], "bad result"),
        (lambda out: [*out, b""], "bad result"),
        (lambda out: [d[:-1] for d in out], "bad result"),
        (lambda out: [d + b"\x00" * 32 for d in out], "bad result"),
        (lambda out: [bytes(len(d)) for d in out], "inconsistent tile"),
        (lambda out: list(reversed(out)), "bad result|inconsistent"),
        (lambda out: [out[0][:32] * (len(d) // 32) for d in out], "inconsistent tile"),
        (lambda out: None, "cannot read tiles"),
        (lambda out: [None for _ in out], "cannot read tiles"),
        (lambda out: [17 for _ in out], "cannot read tiles|bad result"),
    ]:
        with pytest.raises(TlogError, match=message):
            serve(change).read_hashes(index)

    def missing(ts: list[Tile]) -> list[bytes]:
        nothing: dict[Tile, bytes] = {}
        return [nothing[t] for t in ts]

    with pytest.raises(TlogError, match="cannot read tiles"):
        TileHashReader(300, root, missing).read_hashes(index)
    with pytest.raises(TlogError, match="invalid storage index"):
        serve(None).read_hashes([-1])
    with pytest.raises(TlogError, match="not in tree"):
        TileHashReader(0, EMPTY_HASH, missing).read_hashes([0])
    assert TileHashReader(0, EMPTY_HASH, missing).read_hashes([]) == []
    for size, th, height in [(-1, root, 8), (300, root[:31], 8), (300, root, 0), (300, root, 31)]:
        with pytest.raises(TlogError):
            TileHashReader(size, th, missing, height=height)


def test_module_exports_tlog_error_only() -> None:
    """Every error class the module defines is a TlogError (and so a ValueError)."""
    assert issubclass(ProofError, TlogError)
    assert issubclass(TlogError, ValueError)
    assert tlog.TILE_HEIGHT == 8
