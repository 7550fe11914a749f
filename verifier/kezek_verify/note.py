"""Signed notes (https://c2sp.org/signed-note) with Ed25519 keys.

A Python port of Go's golang.org/x/mod/sumdb/note:
    Copyright 2019 The Go Authors. All rights reserved.
    Use of this source code is governed by a BSD-style license
    (BSD-3-Clause; its text, from golang.org/x/mod, is verifier/LICENSE.golang-x-mod).

A note is a text ending in a newline, a blank line, then one or more signature lines
"— <key name> <base64(4-byte key hash || signature)>". Keys are written as text:

    signer key:   PRIVATE+KEY+<name>+<hash>+<base64(0x01 || 32-byte Ed25519 seed)>
    verifier key: <name>+<hash>+<base64(0x01 || 32-byte Ed25519 public key)>

where <hash> is the key hash in 8 hex digits: the first 4 bytes of
SHA-256(name || "\\n" || 0x01 || public key), big-endian.

Differences from the Go package: base64 is decoded strictly (padding required, non-canonical
encodings rejected), `generate_key` refuses an invalid key name, and `sign` also takes the note text
alone. Errors are `NoteError` subclasses (a `ValueError`), with Go's messages.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 1
"""Signature type byte of Ed25519 note signatures."""

MAX_SIGNATURES = 100
"""Open rejects a note with more signature lines than this (Go's limit; the spec asks for >= 16)."""

_SIG_PREFIX = "— ".encode()
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
# Go's unicode.IsSpace: the Unicode White_Space property.
_SPACES = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)


# --------------------------------------------------------------------------------------------- errors


class NoteError(ValueError):
    """A malformed key or note, or a signature that does not verify."""


class MalformedNoteError(NoteError):
    def __init__(self) -> None:
        super().__init__("malformed note")


class InvalidSignerError(NoteError):
    def __init__(self) -> None:
        super().__init__("invalid signer")


class MismatchedVerifierError(NoteError):
    def __init__(self) -> None:
        super().__init__("verifier name or hash doesn't match signature")


class MalformedKeyError(NoteError):
    """A signer or verifier key that cannot be parsed (Go: "malformed verifier id")."""


class UnknownKeyAlgorithmError(NoteError):
    """A key whose signature type is not Ed25519 (Go: "unknown verifier algorithm")."""


class KeyHashMismatchError(NoteError):
    """A key whose hash does not match its name and public key (Go: "invalid verifier hash")."""


class _KeyIdError(NoteError):
    def __init__(self, message: str, name: str, key_hash: int) -> None:
        super().__init__(f"{message} {name}+{key_hash:08x}")
        self.name = name
        self.key_hash = key_hash


class UnknownVerifierError(_KeyIdError):
    """No known key has this name and hash: Open keeps such a signature as unverified."""

    def __init__(self, name: str, key_hash: int) -> None:
        super().__init__("unknown key", name, key_hash)


class AmbiguousVerifierError(_KeyIdError):
    """Several known keys have this name and hash."""

    def __init__(self, name: str, key_hash: int) -> None:
        super().__init__("ambiguous key", name, key_hash)


class InvalidSignatureError(_KeyIdError):
    """A known key's signature does not verify: the whole note is rejected."""

    def __init__(self, name: str, key_hash: int) -> None:
        super().__init__("invalid signature for key", name, key_hash)


class UnverifiedNoteError(NoteError):
    """The note parsed but no known key signed it; the unverified note is in .note."""

    def __init__(self, note: Note) -> None:
        super().__init__("note has no verifiable signatures")
        self.note = note


# ----------------------------------------------------------------------------------------------- keys


class Verifier(Protocol):
    """Verifies signatures by one key."""

    @property
    def name(self) -> str: ...

    @property
    def key_hash(self) -> int: ...

    def verify(self, msg: bytes, sig: bytes) -> bool:
        """Whether sig is this key's valid signature of msg."""
        ...


class Signer(Protocol):
    """Signs with one key."""

    @property
    def name(self) -> str: ...

    @property
    def key_hash(self) -> int: ...

    def sign(self, msg: bytes) -> bytes:
        """This key's signature of msg."""
        ...


def _key_hash(name: str, key: bytes) -> int:
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + key).digest()[:4], "big")


def is_valid_name(name: object) -> bool:
    """A key name is non-empty UTF-8 with neither Unicode spaces nor "+"."""
    if not isinstance(name, str) or not name or "+" in name or any(c in _SPACES for c in name):
        return False
    try:
        name.encode()
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def _b64decode(s: str) -> bytes | None:
    """Strict standard base64; None when malformed."""
    if not s.isascii():
        return None
    try:
        data = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return None
    if base64.b64encode(data).decode("ascii") != s:
        return None
    return data


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


class Ed25519Verifier:
    """A Verifier for an Ed25519 key."""

    def __init__(self, name: str, key_hash: int, public_key: Ed25519PublicKey) -> None:
        self._name = name
        self._key_hash = key_hash
        self._public_key = public_key

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_hash(self) -> int:
        return self._key_hash

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        return _public_bytes(self._public_key)

    def verify(self, msg: bytes, sig: bytes) -> bool:
        if len(sig) != 64:
            return False
        try:
            self._public_key.verify(bytes(sig), bytes(msg))
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"<Ed25519Verifier {self._name}+{self._key_hash:08x}>"


class Ed25519Signer:
    """A Signer for an Ed25519 key."""

    def __init__(self, name: str, key_hash: int, private_key: Ed25519PrivateKey) -> None:
        self._name = name
        self._key_hash = key_hash
        self._private_key = private_key

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_hash(self) -> int:
        return self._key_hash

    def sign(self, msg: bytes) -> bytes:
        return self._private_key.sign(bytes(msg))

    def verifier(self) -> Ed25519Verifier:
        """The Verifier of this key."""
        return Ed25519Verifier(self._name, self._key_hash, self._private_key.public_key())

    def __repr__(self) -> str:
        return f"<Ed25519Signer {self._name}+{self._key_hash:08x}>"


def new_verifier(vkey: str) -> Ed25519Verifier:
    """The Verifier of an encoded verifier key, `<name>+<hash>+<base64(0x01 || public key)>`."""
    if not isinstance(vkey, str):
        raise MalformedKeyError("malformed verifier id")
    name, _, rest = vkey.partition("+")
    hash16, _, key64 = rest.partition("+")
    key = _b64decode(key64)
    if not _HEX8.fullmatch(hash16) or key is None or not is_valid_name(name) or not key:
        raise MalformedKeyError("malformed verifier id")
    key_hash = int(hash16, 16)
    if key_hash != _key_hash(name, key):
        raise KeyHashMismatchError("invalid verifier hash")
    alg, raw = key[0], key[1:]
    if alg != ALG_ED25519:
        raise UnknownKeyAlgorithmError("unknown verifier algorithm")
    if len(raw) != 32:
        raise MalformedKeyError("malformed verifier id")
    try:
        public_key = Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as e:
        raise MalformedKeyError("malformed verifier id") from e
    return Ed25519Verifier(name, key_hash, public_key)


def new_signer(skey: str) -> Ed25519Signer:
    """The Signer of an encoded signer key, `PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>`."""
    if not isinstance(skey, str):
        raise MalformedKeyError("malformed signer id")
    priv1, _, rest = skey.partition("+")
    priv2, _, rest = rest.partition("+")
    name, _, rest = rest.partition("+")
    hash16, _, key64 = rest.partition("+")
    key = _b64decode(key64)
    if (
        priv1 != "PRIVATE"
        or priv2 != "KEY"
        or not _HEX8.fullmatch(hash16)
        or key is None
        or not is_valid_name(name)
        or not key
    ):
        raise MalformedKeyError("malformed signer id")
    # The hash is that of the public key: check it once the public key is derived.
    key_hash = int(hash16, 16)
    alg, seed = key[0], key[1:]
    if alg != ALG_ED25519:
        raise UnknownKeyAlgorithmError("unknown signer algorithm")
    if len(seed) != 32:
        raise MalformedKeyError("malformed signer id")
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    public_key = bytes([ALG_ED25519]) + _public_bytes(private_key.public_key())
    if key_hash != _key_hash(name, public_key):
        raise KeyHashMismatchError("invalid signer hash")
    return Ed25519Signer(name, key_hash, private_key)


def generate_key(name: str, *, seed: bytes | None = None) -> tuple[str, str]:
    """A new Ed25519 key pair for the named key: (signer key, verifier key). The signer key is secret.

    seed (32 bytes) makes the key reproducible: for tests and fixtures only."""
    if not is_valid_name(name):
        raise MalformedKeyError(f"invalid key name {name!r}")
    if seed is None:
        private_key = Ed25519PrivateKey.generate()
    else:
        if not isinstance(seed, bytes) or len(seed) != 32:
            raise MalformedKeyError("an Ed25519 seed is 32 bytes")
        private_key = Ed25519PrivateKey.from_private_bytes(seed)
    private = private_key.private_bytes_raw()
    public = bytes([ALG_ED25519]) + _public_bytes(private_key.public_key())
    h = _key_hash(name, public)
    skey = f"PRIVATE+KEY+{name}+{h:08x}+{_b64encode(bytes([ALG_ED25519]) + private)}"
    vkey = f"{name}+{h:08x}+{_b64encode(public)}"
    return skey, vkey


def new_ed25519_verifier_key(name: str, public_key: bytes) -> str:
    """The encoded verifier key for a raw 32-byte Ed25519 public key."""
    if not isinstance(public_key, bytes) or len(public_key) != 32:
        size = len(public_key) if isinstance(public_key, bytes) else None
        raise MalformedKeyError(f"invalid public key size {size}, expected 32")
    if not is_valid_name(name):
        raise MalformedKeyError(f"invalid key name {name!r}")
    public = bytes([ALG_ED25519]) + public_key
    return f"{name}+{_key_hash(name, public):08x}+{_b64encode(public)}"


# ------------------------------------------------------------------------------------------ verifiers


@runtime_checkable
class Verifiers(Protocol):
    """A collection of known verifier keys."""

    def verifier(self, name: str, key_hash: int) -> Verifier:
        """The Verifier of the key with this name and hash; UnknownVerifierError if there is none."""
        ...


class VerifierList:
    """Verifiers from a list of known Verifiers."""

    def __init__(self, *verifiers: Verifier) -> None:
        self._map: dict[tuple[str, int], list[Verifier]] = {}
        for v in verifiers:
            self._map.setdefault((v.name, v.key_hash), []).append(v)

    def verifier(self, name: str, key_hash: int) -> Verifier:
        found = self._map.get((name, key_hash))
        if not found:
            raise UnknownVerifierError(name, key_hash)
        if len(found) > 1:
            raise AmbiguousVerifierError(name, key_hash)
        return found[0]


# ---------------------------------------------------------------------------------------------- notes


@dataclass(frozen=True)
class Signature:
    """One signature line of a note: the key's name and hash, and the base64 of hash || signature."""

    name: str
    key_hash: int
    base64: str


@dataclass
class Note:
    """A note's text (ending in a newline), its verified and its unverified signatures."""

    text: str
    sigs: list[Signature] = field(default_factory=list)
    unverified_sigs: list[Signature] = field(default_factory=list)


def open(msg: bytes, known: Verifiers | Iterable[Verifier] | None) -> Note:  # Go's name: shadows open()
    """Parses a signed note and verifies its signatures by the known keys.

    A signature by a known key must verify (else InvalidSignatureError) and goes to .sigs; one by an
    unknown key goes to .unverified_sigs. Without any verified signature: UnverifiedNoteError (the
    note is in its .note). Bad syntax: MalformedNoteError."""
    if known is None:
        verifiers: Verifiers = VerifierList()
    elif isinstance(known, Verifiers):
        verifiers = known
    else:
        verifiers = VerifierList(*known)
    if not isinstance(msg, bytes | bytearray | memoryview):
        raise MalformedNoteError()
    msg = bytes(msg)

    # Valid UTF-8 with no ASCII control characters but newline.
    try:
        decoded = msg.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedNoteError() from None
    if any(c < " " and c != "\n" for c in decoded):
        raise MalformedNoteError()

    # A signature block, after the last blank line.
    split = msg.rfind(b"\n\n")
    if split < 0:
        raise MalformedNoteError()
    text, sigs = msg[: split + 1], msg[split + 2 :]
    if not sigs or not sigs.endswith(b"\n"):
        raise MalformedNoteError()

    note = Note(text=text.decode())
    seen: set[tuple[str, int]] = set()
    seen_unverified: set[bytes] = set()
    num_sig = 0
    for raw_line in sigs[:-1].split(b"\n"):
        if not raw_line.startswith(_SIG_PREFIX):
            raise MalformedNoteError()
        line = raw_line[len(_SIG_PREFIX) :]
        name, _, b64 = line.decode().partition(" ")
        sig = _b64decode(b64)
        if sig is None or not is_valid_name(name) or not b64 or len(sig) < 5:
            raise MalformedNoteError()
        key_hash = int.from_bytes(sig[:4], "big")
        sig = sig[4:]

        num_sig += 1
        if num_sig > MAX_SIGNATURES:
            raise MalformedNoteError()  # not spending forever on a note with many signatures

        try:
            v = verifiers.verifier(name, key_hash)
        except UnknownVerifierError:
            # Repeated identical unverified signatures are dropped.
            if line not in seen_unverified:
                seen_unverified.add(line)
                note.unverified_sigs.append(Signature(name, key_hash, b64))
            continue

        if v.name != name or v.key_hash != key_hash:
            raise MismatchedVerifierError()
        # Repeated signatures by one key are dropped.
        if (name, key_hash) in seen:
            continue
        seen.add((name, key_hash))
        if not v.verify(text, sig):
            raise InvalidSignatureError(name, key_hash)
        note.sigs.append(Signature(name, key_hash, b64))

    if not note.sigs:
        raise UnverifiedNoteError(note)
    return note


def sign(note: Note | str, *signers: Signer) -> bytes:
    """The signed message: the note's text, its existing signatures, then a signature by each signer.

    An existing signature by the key of one of the signers is left out (replaced)."""
    if isinstance(note, str):
        note = Note(text=note)
    if not note.text.endswith("\n"):
        raise MalformedNoteError()
    try:
        text = note.text.encode()
    except UnicodeEncodeError:
        raise MalformedNoteError() from None

    new_lines: list[str] = []
    have: set[tuple[str, int]] = set()
    for s in signers:
        name, key_hash = s.name, s.key_hash
        have.add((name, key_hash))
        if not is_valid_name(name) or type(key_hash) is not int or not 0 <= key_hash <= 0xFFFFFFFF:
            raise InvalidSignerError()
        sig = s.sign(text)
        new_lines.append(f"— {name} {_b64encode(key_hash.to_bytes(4, 'big') + sig)}\n")

    out = [note.text, "\n"]
    # Existing signatures not replaced by new ones.
    for sig_list in (note.sigs, note.unverified_sigs):
        for existing in sig_list:
            if not is_valid_name(existing.name):
                raise MalformedNoteError()
            if (existing.name, existing.key_hash) in have:
                continue
            # Double-check the hash against the base64.
            raw = _b64decode(existing.base64) if isinstance(existing.base64, str) else None
            if raw is None or len(raw) < 4 or int.from_bytes(raw[:4], "big") != existing.key_hash:
                raise MalformedNoteError()
            out.append(f"— {existing.name} {existing.base64}\n")
    out.extend(new_lines)
    return "".join(out).encode()
