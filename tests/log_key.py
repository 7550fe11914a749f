"""The transparency log's key in the tests: one fixed Ed25519 key (never the development key file)."""

from kezek_verify.note import generate_key

ORIGIN = "kezek.test/log"
SKEY, VKEY = generate_key(ORIGIN, seed=bytes(range(32)))
