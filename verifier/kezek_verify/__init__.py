"""kezek-verify: an independent verifier of Kezek's signed transparency log.

Depends on the standard library and `cryptography` only, never on Kezek or Django, so that anyone can
check the published log without running (or trusting) the application.

- kezek_verify.tlog: RFC 9162 Merkle tree hashes, inclusion and consistency proofs, C2SP tlog-tiles.
- kezek_verify.note: C2SP signed notes with Ed25519 keys.
- kezek_verify.checkpoint: C2SP tlog-checkpoint texts.
"""

__version__ = "0.1.0"
