"""Transparency log checkpoints (https://c2sp.org/tlog-checkpoint): the signed note text of a tree head.

    <origin>
    <tree size, decimal, no leading zeroes>
    <root hash, base64>
    [extension lines, non-empty]

each line ending in a newline. `Checkpoint.parse` is strict: it accepts exactly the texts `format`
writes. Signatures are the signed note's business (kezek_verify.note).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kezek_verify.tlog import HASH_SIZE, MAX_INDEX, TlogError, format_hash, parse_hash

_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")


class MalformedCheckpointError(ValueError):
    """A checkpoint text (or value) that is not a valid tlog-checkpoint."""


def _check_line(line: object, what: str) -> str:
    if not isinstance(line, str) or not line:
        raise MalformedCheckpointError(f"malformed checkpoint: empty or missing {what}")
    # Note texts carry no ASCII control characters but newline, and a line carries no newline.
    if any(c < " " for c in line):
        raise MalformedCheckpointError(f"malformed checkpoint: control character in the {what}")
    try:
        line.encode()
    except UnicodeEncodeError:
        raise MalformedCheckpointError(f"malformed checkpoint: {what} is not UTF-8") from None
    return line


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: its origin, the tree size and the RFC 9162 root hash at that size."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if type(self.size) is not int or not 0 <= self.size <= MAX_INDEX:
            raise MalformedCheckpointError(f"malformed checkpoint: tree size {self.size!r}")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise MalformedCheckpointError("malformed checkpoint: the root hash is not 32 bytes")
        if not isinstance(self.extensions, tuple):
            raise MalformedCheckpointError("malformed checkpoint: extensions must be a tuple of lines")
        for line in self.extensions:
            _check_line(line, "extension line")

    def format(self) -> str:
        """The note text: origin, size, base64 root hash, extension lines, each ending in a newline."""
        lines = [self.origin, str(self.size), format_hash(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str | bytes) -> Checkpoint:
        """Parses a checkpoint note text (a note's .text); MalformedCheckpointError unless exact."""
        if isinstance(text, bytes | bytearray | memoryview):
            try:
                text = bytes(text).decode("utf-8")
            except UnicodeDecodeError:
                raise MalformedCheckpointError("malformed checkpoint: not UTF-8") from None
        if not isinstance(text, str) or not text.endswith("\n"):
            raise MalformedCheckpointError("malformed checkpoint: no final newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedCheckpointError("malformed checkpoint: fewer than three lines")
        origin, size_s, hash_s, *extensions = lines
        _check_line(origin, "origin")
        if not _SIZE.fullmatch(size_s) or int(size_s) > MAX_INDEX:
            raise MalformedCheckpointError(f"malformed checkpoint: tree size {size_s!r}")
        try:
            root_hash = parse_hash(hash_s)
        except TlogError:
            raise MalformedCheckpointError(f"malformed checkpoint: root hash {hash_s!r}") from None
        return cls(origin=origin, size=int(size_s), root_hash=root_hash, extensions=tuple(extensions))
