"""The log's public endpoints (issue 17, item 4): what they serve verifies with the independent verifier
(kezek_verify) against a signed checkpoint; bad input is a declared 4xx, never a 500."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from kezek.ledger.models import LedgerEvent
from kezek.translog.models import Checkpoint, LogState
from kezek.translog.services import checkpoint_sign_due, log_integrate
from kezek_verify import note, tlog
from kezek_verify.checkpoint import Checkpoint as CheckpointText

from .conftest import ORIGIN, VKEY
from .helpers import append, leaves

pytestmark = pytest.mark.django_db
API = "/api/v1/open-data/log"
START = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


def signed(client: Client) -> CheckpointText:
    """The latest checkpoint as served, its signature checked with the published key."""
    response = client.get("/log/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    vkey = client.get(f"{API}/key").json()["vkey"]
    opened = note.open(response.content, [note.new_verifier(vkey)])
    return CheckpointText.parse(opened.text)


def issue(count: int) -> None:
    """Append `count` events, integrate and sign (11 minutes after the previous checkpoint)."""
    append(count)
    log_integrate()
    latest = Checkpoint.objects.order_by("-issued_at").first()
    moment = latest.issued_at + dt.timedelta(minutes=11) if latest else START
    with time_machine.travel(moment, tick=False):
        assert checkpoint_sign_due() == 1


def entry_list(client: Client, start: int, end: int) -> list[bytes]:
    response = client.get(f"{API}/entries", {"start": start, "end": end})
    assert response.status_code == 200, response.content
    return [e["entry"].encode() for e in response.json()["entries"]]


def test_the_key(client: Client) -> None:
    body = client.get(f"{API}/key").json()
    assert body["vkey"] == VKEY
    assert body["origin"] == body["key_name"] == ORIGIN
    assert VKEY.split("+")[1] == body["key_id"]


def test_no_checkpoint_yet_is_a_404(client: Client) -> None:
    response = client.get("/log/checkpoint")
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-cache"


def test_inclusion_proofs_verify_against_the_signed_checkpoint(client: Client) -> None:
    issue(300)
    checkpoint = signed(client)
    assert checkpoint.size == 300
    response = client.get("/log/checkpoint")
    assert response["Cache-Control"] == "public, max-age=30"
    forms = [f for start in range(0, 300, 100) for f in entry_list(client, start, start + 100)]
    assert forms == leaves()
    for index in (0, 1, 2, 127, 255, 256, 298, 299):
        response = client.get(f"{API}/proof/inclusion", {"index": index, "size": checkpoint.size})
        assert response.status_code == 200, response.content
        body = response.json()
        proof = [tlog.parse_hash(h) for h in body["hashes"]]
        tlog.check_record(proof, checkpoint.size, checkpoint.root_hash, index, tlog.record_hash(forms[index]))
        assert tlog.parse_hash(body["root_hash"]) == checkpoint.root_hash
        with pytest.raises(tlog.ProofError):
            tlog.check_record(
                proof, checkpoint.size, checkpoint.root_hash, index, tlog.record_hash(b"forged")
            )


def test_consistency_proofs_verify_between_signed_checkpoints(client: Client) -> None:
    issue(7)
    old = signed(client)
    issue(600)
    new = signed(client)
    assert (old.size, new.size) == (7, 607)
    response = client.get(f"{API}/proof/consistency", {"old": old.size, "new": new.size})
    assert response.status_code == 200, response.content
    proof = [tlog.parse_hash(h) for h in response.json()["hashes"]]
    tlog.check_tree(proof, new.size, new.root_hash, old.size, old.root_hash)
    with pytest.raises(tlog.ProofError):
        tlog.check_tree(proof, new.size, new.root_hash, old.size, tlog.record_hash(b"forged"))
    history = client.get(f"{API}/checkpoints").json()
    assert [c["size"] for c in history["items"]] == [607, 7]
    assert history["count"] == 2
    assert note.open(history["items"][0]["note"].encode(), [note.new_verifier(VKEY)])


def test_tiles_and_entry_bundles_verify_with_the_tile_hash_reader(client: Client) -> None:
    issue(700)
    checkpoint = signed(client)
    served: list[str] = []

    def read_tiles(tiles: list[tlog.Tile]) -> list[bytes]:
        data = []
        for tile in tiles:
            response = client.get(f"/log/{tile.path()}")
            assert response.status_code == 200, tile.path()
            assert response["Cache-Control"] == "public, max-age=31536000, immutable"
            served.append(tile.path())
            data.append(response.content)
        return data

    reader = tlog.TileHashReader(checkpoint.size, checkpoint.root_hash, read_tiles)
    indexes = [tlog.stored_hash_index(0, n) for n in (0, 255, 256, 511, 512, 699)]
    hashes = reader.read_hashes(indexes)
    assert {"tile/0/000", "tile/0/002.p/188", "tile/1/000.p/2"} <= set(served)
    bundle = client.get("/log/tile/entries/001")
    partial = client.get("/log/tile/entries/002.p/188")
    assert (bundle.status_code, partial.status_code) == (200, 200)
    first = tlog.decode_entry_bundle(bundle.content, 256)
    last = tlog.decode_entry_bundle(partial.content, 188)
    assert [tlog.record_hash(e) for e in (first[0], first[255], last[0], last[187])] == hashes[2:]
    assert tlog.tree_hash(checkpoint.size, reader) == checkpoint.root_hash
    assert client.get("/log/tile/0/002.p/100").content == read_tiles([tlog.Tile(8, 0, 2, 188)])[0][: 100 * 32]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/entries?start=5&end=5", 422, "range_reversed"),
        ("/entries?start=6&end=5", 422, "range_reversed"),
        ("/entries?start=0&end=1001", 422, "range_too_big"),
        ("/entries?start=0&end=11", 422, "range_beyond_log"),
        ("/entries?start=-1&end=5", 422, "invalid"),
        ("/entries?start=a&end=5", 422, "invalid"),
        ("/entries?start=0&end=99999999999999999999", 422, "invalid"),
        ("/proof/inclusion?index=3&size=3", 422, "index_beyond_size"),
        ("/proof/inclusion?index=0&size=0", 422, "invalid"),
        ("/proof/inclusion?index=0&size=11", 404, "beyond_log"),
        ("/proof/consistency?old=4&new=3", 422, "sizes_reversed"),
        ("/proof/consistency?old=0&new=3", 422, "invalid"),
        ("/proof/consistency?old=3&new=11", 404, "beyond_log"),
        ("/checkpoints?page=0", 422, "invalid"),
    ],
)
def test_bad_input_is_a_declared_4xx(
    client: Client, path: str, status: int, code: str, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "ru"
    issue(10)
    response = client.get(API + path)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


def test_translated_messages(client: Client) -> None:
    issue(10)
    response = client.get(f"{API}/proof/consistency?old=4&new=3", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "The old size must not exceed the new one."


@pytest.mark.parametrize(
    "path",
    ["tile/0/1", "tile/0/001.p/256", "tile/0/x000/001", "tile/99/000", "tile/0/000.p/0",
     "tile/entries/000.p/11", "tile/0/001", "tile/1/000", "tile/entries/001"],
)  # fmt: skip
def test_unknown_tiles_are_404(client: Client, path: str) -> None:
    issue(10)
    response = client.get(f"/log/{path}")
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-cache"


def test_a_request_never_grows_or_signs_the_log(client: Client) -> None:
    """The sweeps run in `tick` only: requests read the log as it is."""
    issue(5)
    append(20)
    before = (LogState.objects.get().size, Checkpoint.objects.count())
    for path in ("/log/checkpoint", "/log/tile/0/000.p/5", f"{API}/key", f"{API}/checkpoints", "/"):
        assert client.get(path).status_code == 200
    client.get(f"{API}/entries?start=0&end=25")
    assert (LogState.objects.get().size, Checkpoint.objects.count()) == before
    assert LedgerEvent.objects.count() == 25


def test_every_status_is_declared(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    declared = {p: set(v["get"]["responses"]) for p, v in paths.items() if p.startswith(f"{API}/")}
    assert declared == {
        f"{API}/key": {"200"},
        f"{API}/checkpoints": {"200", "422"},
        f"{API}/entries": {"200", "422"},
        f"{API}/proof/inclusion": {"200", "404", "422"},
        f"{API}/proof/consistency": {"200", "404", "422"},
    }
