"""The cabinet's JSON that pages and the API share: the "check my record" download (kezek-proof/1)."""

from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field


class ProofEntryOut(Schema):
    index: int = Field(description="the leaf index in the log (the ledger event's seq - 1)")
    entry: str = Field(
        description="the public form of the event (canonical JSON); its UTF-8 bytes are the leaf"
    )
    proof: list[str] = Field(description="RFC 9162 inclusion proof in the checkpoint's tree, base64 hashes")


class RecordProofOut(Schema):
    """Every entry of the transparency log about one application, each with its inclusion proof in the tree
    of the latest signed checkpoint. Check it with `kezek-verify proof FILE` (docs/transparency.md)."""

    model_config = ConfigDict(from_attributes=True)

    format: str = Field(description="`kezek-proof/1`", examples=["kezek-proof/1"])
    origin: str = Field(description="the log's origin: the first line of its checkpoints")
    key: str = Field(description="the signed-note verifier key of the log: <name>+<key id>+<base64>")
    checkpoint: str = Field(description="the latest checkpoint: the signed note's text")
    application: int = Field(description="the application's number")
    entries: list[ProofEntryOut]
    commitments: list[dict[str, Any]] = Field(
        description="openings of the application's salted commitments (the child's birth date)"
    )
