"""Row locks of funding (order: `kezek.core.locks`). A locality's row serialises the writes of its rates,
terms and statements (a rate set while a month is calculated waits); taken before the ledger head."""

from collections.abc import Iterable

from kezek.core.locks import locked
from kezek.facilities.models import Locality


def localities_lock(pks: Iterable[int]) -> list[Locality]:
    """The localities, locked in primary-key order (lower first)."""
    return list(locked(Locality.objects.filter(pk__in=set(pks)).order_by("pk")))
