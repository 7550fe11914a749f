"""The live side of `integrity_check` for infection control (E58): each case and quarantine as the value
lists `kezek.integrity.replay` builds from the ledger (`CASE_FIELDS`, `QUARANTINE_FIELDS`)."""

from collections import Counter
from collections.abc import Iterator
from typing import Any

from .models import Case, Contact, Quarantine
from .services import person_digest


def live_cases(*, chunk_size: int) -> Iterator[tuple[Any, ...]]:
    children: Counter[int] = Counter()
    staff: Counter[int] = Counter()
    for case_id, child_id in Contact.objects.values_list("case_id", "child_id").order_by():
        (children if child_id is not None else staff)[case_id] += 1
    rows = Case.objects.select_related("infection").order_by("pk")
    for case in rows.iterator(chunk_size=chunk_size):
        yield case.pk, case.infection.code, person_digest(case), children[case.pk], staff[case.pk]


def live_quarantines(*, chunk_size: int) -> Iterator[tuple[Any, ...]]:
    rows = Quarantine.objects.order_by("pk").values_list(
        "pk", "group_id", "infection__code", "first_day", "last_day", "ended_at"
    )
    for pk, group, infection, first, last, ended in rows.iterator(chunk_size=chunk_size):
        yield pk, group, infection, first.isoformat(), last.isoformat(), ended is not None
