"""Row locks of vouchers (order: `kezek.core.locks`): the locality's row serialises issuing (E31); a voucher
(several: by primary key) comes before the places it takes (placement), the cohort and the ledger head."""

from collections.abc import Iterable
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


def vouchers_lock(pks: Iterable[int], *, skip_locked: bool = False) -> dict[int, Voucher]:
    """Vouchers of twins and siblings that contract together (P6, E34), locked in primary-key order, by
    id; with `skip_locked` the ones others hold are missing."""
    rows = locked(
        Voucher.objects.select_related("application", "locality").filter(pk__in=pks).order_by("pk"),
        skip_locked=skip_locked,
    )
    return {voucher.pk: voucher for voucher in rows}
