"""Row locks of vouchers (order: `kezek.core.locks`): the locality's row serialises issuing (E31); a voucher
comes before the places it takes (placement), the cohort and the ledger head."""

from typing import Literal, overload

from kezek.core.locks import locked
from kezek.facilities.models import Locality

from .models import Voucher


def locality_lock(pk: int) -> Locality:
    """The locality's row, locked: one issuing sweep per locality at a time (E31)."""
    return locked(Locality.objects.all(), no_key=True).get(pk=pk)


@overload
def voucher_lock(pk: int) -> Voucher: ...
@overload
def voucher_lock(pk: int, *, skip_locked: Literal[True]) -> Voucher | None: ...
def voucher_lock(pk: int, *, skip_locked: bool = False) -> Voucher | None:
    """The voucher, locked, with its application and locality read (not locked)."""
    rows = locked(Voucher.objects.select_related("application", "locality"), skip_locked=skip_locked)
    return rows.filter(pk=pk).first() if skip_locked else rows.get(pk=pk)
