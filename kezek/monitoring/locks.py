"""Row locks of development monitoring (order: `kezek.core.locks`): the group (facilities) first, then its
monitoring point; the ledger head last. A point's lock serialises every write of its cards."""

from kezek.core.locks import locked

from .models import Point


def point_lock(pk: int) -> Point:
    return locked(Point.objects.select_related("template")).get(pk=pk)
