"""The canonical forms of development monitoring (E46): a card's and a locked point's sha256, computed
the same way when a card is saved, when a point is locked and by the integrity check (E47)."""

import hashlib
from collections.abc import Iterable

from kezek.ledger.hashing import canonical_json

CARD_VERSION = 1


def card_sha256(
    *, point: int, enrollment: int, template: int, salt: str, marks: Iterable[tuple[str, str]]
) -> str:
    """E46: sha256 of {"v": 1, "point", "enrollment", "template" (version), "salt", "marks": [[indicator
    code, level code], …] sorted} as canonical JSON. The random salt makes the hash a commitment: with
    three levels a card's hash could otherwise be reversed by trying every combination."""
    body = {
        "v": CARD_VERSION,
        "point": point,
        "enrollment": enrollment,
        "template": template,
        "salt": salt,
        "marks": sorted([indicator, level] for indicator, level in marks),
    }
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def cards_sha256(*, point: int, cards: Iterable[tuple[int, str]]) -> str:
    """E46: sha256 of a locked point's cards: {"v": 1, "point", "cards": [[card id, card sha256], …]}."""
    body = {"v": CARD_VERSION, "point": point, "cards": sorted([pk, sha] for pk, sha in cards)}
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()
