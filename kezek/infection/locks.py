"""Row locks of infection control (order: `kezek.core.locks`): after the groups' locks (facilities, by
primary key), a group's open quarantines; the ledger head last."""

from kezek.core.locks import locked

from .models import Quarantine


def quarantine_lock(pk: int) -> Quarantine:
    return locked(Quarantine.objects.select_related("group__organisation__locality")).get(pk=pk)
