"""The transparency log's JSON under the open-data API."""

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from kezek_verify.tlog import MAX_INDEX


def _hash() -> Any:
    return Field(
        description="a SHA-256 hash, standard base64",
        examples=["47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="],
    )


class LogKeyOut(Schema):
    origin: str = Field(description="the log's origin: the first line of its checkpoints")
    key_name: str
    key_id: str = Field(description="the key hash, 8 hex digits, as in the note's signature lines")
    vkey: str = Field(description="the signed-note verifier key: <name>+<key id>+<base64 Ed25519 key>")


class CheckpointOut(Schema):
    size: int
    root_hash: str = _hash()
    issued_at: dt.datetime
    note: str = Field(description="the signed note: the C2SP checkpoint text, a blank line, signatures")


class EntriesQuery(Schema):
    start: int = Field(ge=0, le=MAX_INDEX, description="first leaf index")
    end: int = Field(ge=0, le=MAX_INDEX, description="leaf index after the last one (at most 1000 entries)")


class EntryOut(Schema):
    index: int = Field(description="leaf index (the ledger event's seq - 1)")
    entry: str = Field(description="the public form (canonical JSON); its UTF-8 bytes are the leaf data")
    leaf_hash: str = _hash()


class EntriesOut(Schema):
    tree_size: int = Field(description="leaves in the tree now")
    entries: list[EntryOut]


class InclusionQuery(Schema):
    index: int = Field(ge=0, le=MAX_INDEX, description="leaf index")
    size: int = Field(ge=1, le=MAX_INDEX, description="tree size, e.g. a checkpoint's")


class InclusionProofOut(Schema):
    index: int
    size: int
    leaf_hash: str = _hash()
    root_hash: str = _hash()
    hashes: list[str] = Field(description="the RFC 9162 inclusion proof, base64 hashes")


class ConsistencyQuery(Schema):
    old: int = Field(ge=1, le=MAX_INDEX, description="the older tree size")
    new: int = Field(ge=1, le=MAX_INDEX, description="the newer tree size")


class ConsistencyProofOut(Schema):
    old: int
    new: int
    old_root_hash: str = _hash()
    new_root_hash: str = _hash()
    hashes: list[str] = Field(description="the RFC 9162 consistency proof, base64 hashes")
