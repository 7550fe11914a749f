"""Keyed hashes (HMAC-SHA256 with a key derived from settings.SECRET_KEY) of codes and limiter keys.

A plain SHA-256 of a 6-digit code or of an IIN is reversed by trying every value; without the secret
key an HMAC cannot be.
"""

import hmac
import uuid

from django.utils.crypto import salted_hmac

_CODE_SALT = "kezek.verification.phone_code"
_ATTEMPT_KEY_SALT = "kezek.verification.attempt_limiter"


def code_hash(*, code_id: uuid.UUID, code: str) -> str:
    """HMAC of the code bound to its id, so one stored hash cannot be reused for another code."""
    return salted_hmac(_CODE_SALT, f"{code_id}:{code}", algorithm="sha256").hexdigest()


def code_matches(*, code_id: uuid.UUID, code: str, stored_hash: str) -> bool:
    """Constant-time comparison of an entered code with the stored hash."""
    return hmac.compare_digest(code_hash(code_id=code_id, code=code), stored_hash)


def attempt_key_hash(key: str) -> str:
    return salted_hmac(_ATTEMPT_KEY_SALT, key, algorithm="sha256").hexdigest()
