"""Row locks of the timesheet (order: `kezek.core.locks`): the group (facilities) first, then its month's
row, then a child's month or a dispute; the ledger head last."""

from kezek.core.locks import locked

from .models import ChildMonth, Dispute, Mark, TimesheetMonth


def timesheet_lock(pk: int) -> TimesheetMonth:
    return locked(TimesheetMonth.objects.select_related("group__organisation__locality")).get(pk=pk)


def mark_lock(pk: int) -> Mark:
    return locked(Mark.objects.all()).get(pk=pk)


def child_month_lock(pk: int) -> ChildMonth:
    return locked(ChildMonth.objects.select_related("timesheet")).get(pk=pk)


def dispute_lock(pk: int) -> Dispute:
    return locked(Dispute.objects.select_related("child_month__timesheet")).get(pk=pk)
