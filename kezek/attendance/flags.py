"""Flags for the department (E18): a report of what looks wrong in the timesheets, never a block.

- `two_kindergartens`: a child marked present in two kindergartens on one day;
- `present_in_closure`: a child marked present on a day their kindergarten (or group) was closed or in
  quarantine;
- `full_attendance`: a group with every child present every working day of a whole submitted month;
- `identical_pattern`: at least IDENTICAL_MIN children of one group-month with the same sequence of marks,
  IDENTICAL_ABSENCES or more of them absences (all-present sequences are the previous flag);
- `changed_after_answer`: a mark changed, or a correction made, after the parent answered about the month;
- `no_basis`: a child enrolled (now) with neither a direction nor a staff-child order.

Reads the last FLAG_MONTHS months (by the mark's day) in the scope the caller passes (a queryset filter).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.placement.models import Enrollment

from .models import ChildMonth, Closure, Correction, Mark, TimesheetMonth
from .selectors import PRESENT, month_days, month_start

IDENTICAL_MIN = 4
IDENTICAL_ABSENCES = 2
FLAG_MONTHS = 3

LABELS: dict[str, Promise] = {
    "two_kindergartens": _("Present in two kindergartens on one day"),
    "present_in_closure": _("Present on a day of closure or quarantine"),
    "full_attendance": _("Every child present every working day of a month"),
    "identical_pattern": _("Identical attendance of many children"),
    "changed_after_answer": _("Marks changed after the parent's answer"),
    "no_basis": _("Enrolled without a direction or staff-child order"),
}


@dataclass(frozen=True)
class Flag:
    kind: str
    organisation_id: int | None
    group_id: int | None
    day: dt.date | None  # a day, or the month's first day
    children: int  # how many children it concerns
    detail: str

    @property
    def label(self) -> Promise:
        return LABELS[self.kind]


Scoped = Callable[[QuerySet[Mark]], QuerySet[Mark]]


def flags(scoped: Scoped, *, today: dt.date | None = None) -> list[Flag]:
    """Every flag in the scope; `scoped(qs)` narrows a queryset of marks (lookups from `group`)."""
    today = today or clock.today()
    since = month_start(today)
    for _i in range(FLAG_MONTHS - 1):
        since = month_start(since - dt.timedelta(days=1))
    marks = scoped(Mark.objects.filter(day__gte=since))
    return [
        *_two_kindergartens(marks),
        *_present_in_closure(marks),
        *_month_patterns(marks, since),
        *_changed_after_answer(scoped, since),
        *_no_basis(scoped),
    ]


def _two_kindergartens(marks: QuerySet[Mark]) -> list[Flag]:
    # Counted over all marks of those children and days, wherever the other kindergarten is.
    children = marks.filter(present=True).values("child_id")
    since = marks.order_by("day").values_list("day", flat=True).first()
    rows = Mark.objects.filter(present=True, child_id__in=children, day__gte=since or dt.date.max)
    doubles = (
        rows.values("child_id", "day").annotate(n=Count("group__organisation", distinct=True)).filter(n__gt=1)
    )
    return [
        Flag("two_kindergartens", None, None, row["day"], 1, f"child {row['child_id']}: {row['n']}")
        for row in doubles.order_by("day", "child_id")[:200]
    ]


def _present_in_closure(marks: QuerySet[Mark]) -> list[Flag]:
    found = []
    closures = Closure.objects.filter(organisation_id__in=marks.values("group__organisation_id"))
    for closure in closures.order_by("first_day", "pk"):
        rows = marks.filter(
            present=True,
            group__organisation_id=closure.organisation_id,
            day__gte=closure.first_day,
            day__lte=closure.last_day,
        )
        if closure.group_id is not None:
            rows = rows.filter(group_id=closure.group_id)
        for row in rows.values("group_id", "day").annotate(n=Count("pk")).order_by("day", "group_id"):
            found.append(
                Flag(
                    "present_in_closure",
                    closure.organisation_id,
                    row["group_id"],
                    row["day"],
                    row["n"],
                    str(Closure.Kind(closure.kind).label),
                )
            )
    return found


def _month_patterns(marks: QuerySet[Mark], since: dt.date) -> list[Flag]:
    """Full attendance and identical patterns, over submitted or locked months only (whole sheets)."""
    frozen = TimesheetMonth.objects.filter(month__gte=since).exclude(state=TimesheetMonth.State.OPEN)
    months = {(t.group_id, t.month): t for t in frozen.filter(group_id__in=marks.values("group_id"))}
    patterns: dict[tuple[int, dt.date], dict[int, list[tuple[dt.date, str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    organisation: dict[int, int] = {}
    rows = marks.filter(group_id__in={g for g, _m in months}).values_list(
        "group_id", "group__organisation_id", "enrollment_id", "day", "present", "reason"
    )
    for group_id, organisation_id, enrollment_id, day, present, reason in rows.order_by("day"):
        key = (group_id, month_start(day))
        if key in months:
            organisation[group_id] = organisation_id
            patterns[key][enrollment_id].append((day, PRESENT if present else reason))
    found = []
    for (group_id, month), children in sorted(patterns.items()):
        codes = [code for child in children.values() for _day, code in child]
        if codes and all(code == PRESENT for code in codes):
            found.append(Flag("full_attendance", organisation[group_id], group_id, month, len(children), ""))
            continue
        same: dict[tuple[tuple[dt.date, str], ...], int] = defaultdict(int)
        for child in children.values():
            same[tuple(child)] += 1
        for pattern, count in same.items():
            absences = sum(1 for _day, code in pattern if code != PRESENT)
            if count >= IDENTICAL_MIN and absences >= IDENTICAL_ABSENCES:
                found.append(
                    Flag(
                        "identical_pattern",
                        organisation[group_id],
                        group_id,
                        month,
                        count,
                        f"{absences} / {len(pattern)}",
                    )
                )
    return found


def _changed_after_answer(scoped: Scoped, since: dt.date) -> list[Flag]:
    found = []
    answered = (
        ChildMonth.objects.filter(answered_at__isnull=False, timesheet__month__gte=since)
        .select_related("timesheet__group")
        .filter(timesheet__group__in=scoped(Mark.objects.all()).values("group_id"))
    )
    for child_month in answered.order_by("timesheet__month", "pk"):
        days = month_days(child_month.timesheet.month)
        mine = Mark.objects.filter(
            enrollment_id=child_month.enrollment_id,
            group_id=child_month.timesheet.group_id,
            day__gte=days[0],
            day__lte=days[-1],
        )
        changed = mine.filter(marked_at__gt=child_month.answered_at).count()
        corrected = Correction.objects.filter(mark__in=mine, made_at__gt=child_month.answered_at).count()
        if changed or corrected:
            group = child_month.timesheet.group
            found.append(
                Flag(
                    "changed_after_answer",
                    group.organisation_id,
                    group.pk,
                    child_month.timesheet.month,
                    1,
                    f"{changed} + {corrected}",
                )
            )
    return found


def _no_basis(scoped: Scoped) -> list[Flag]:
    groups = scoped(Mark.objects.all()).values("group_id")
    rows = (
        Enrollment.objects.filter(left_on__isnull=True, direction__isnull=True, group_id__in=groups)
        .filter(Q(staff_child=False) | Q(staff_reason=""))
        .values("group_id", organisation_id=F("group__organisation_id"))
        .annotate(n=Count("pk"))
    )
    return [Flag("no_basis", r["organisation_id"], r["group_id"], None, r["n"], "") for r in rows]
