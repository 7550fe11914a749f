"""Funding fixtures: a kindergarten's locked month written straight into the attendance tables (the
attendance services are another app's; here only the marks' counts matter), rates and terms."""

import datetime as dt
import hashlib
import itertools
from collections.abc import Sequence
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import connection

from kezek.attendance.models import Correction, Mark, TimesheetMonth
from kezek.attendance.selectors import working_days
from kezek.facilities.models import Group, Locality, Organisation
from kezek.funding import services
from kezek.placement.models import Enrollment
from kezek.staff.models import Role
from kezek.waitlist.models import Child
from tests.factories.facilities import GroupFactory, OrganisationFactory
from tests.factories.staff import staff_user

_iins = itertools.count(1)
MONTH = dt.date(2026, 10, 1)
PAID = ("illness_certified", "quarantine", "closed")


def child(birth: dt.date = dt.date(2022, 3, 1)) -> Child:
    n = next(_iins)
    return Child.objects.create(
        iin=f"{birth:%y%m%d}5{n:05d}"[:12].ljust(12, "0"),
        last_name="Тестов",
        first_name=f"Бала{n}",
        birth_date=birth,
        sex="M",
    )


def enrol(group: Group, on: dt.date = dt.date(2026, 9, 1)) -> Enrollment:
    return Enrollment.objects.create(
        group=group, child=child(), staff_child=True, staff_reason="order 1", enrolled_on=on
    )


def operator(locality: Locality) -> User:
    return staff_user(role=Role.OPERATOR, locality=locality)


def lock_month(group: Group, month: dt.date, state: str = "locked") -> TimesheetMonth:
    now = dt.datetime(2026, 11, 8, 9, tzinfo=dt.UTC)
    sheet, _ = TimesheetMonth.objects.update_or_create(
        group=group,
        month=month,
        defaults={
            "state": state,
            "submitted_at": None if state == "open" else now,
            "locked_at": now if state == "locked" else None,
            "sheet_sha256": "" if state == "open" else hashlib.sha256(b"sheet").hexdigest(),
        },
    )
    return sheet


def mark_month(enrollment: Enrollment, month: dt.date, pattern: Sequence[str], *, by: User) -> list[Mark]:
    """Marks for the group's working days in order: "+" present, else an absence reason code ("" skips)."""
    days = working_days(group=enrollment.group, month=month)
    marks = []
    for day, code in zip(days, pattern, strict=False):
        if code == "":
            continue
        marks.append(
            Mark(
                enrollment=enrollment, child_id=enrollment.child_id, group_id=enrollment.group_id, day=day,
                present=code == "+", reason="" if code == "+" else code, marked_by=by,
                marked_at=dt.datetime(2026, 10, 31, tzinfo=dt.UTC),
            )
        )  # fmt: skip
    return Mark.objects.bulk_create(marks)


def correct(mark: Mark, *, present: bool, reason: str = "", shown_in: dt.date, by: User) -> Correction:
    return Correction.objects.create(
        mark=mark, present=present, reason=reason, shown_in=shown_in, made_by=by,
        made_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC), note="справка",
    )  # fmt: skip


def kindergarten(locality: Locality | None = None, **fields: object) -> Organisation:
    return OrganisationFactory.create(**({"locality": locality} if locality else {}), **fields)


def rates(
    locality: Locality, by: User, amount: str = "62000.00", since: dt.date = dt.date(2026, 1, 1)
) -> None:
    for kind in ("general", "correctional", "sanatorium"):
        for mode in ("full_day", "half_day"):
            for own in ("state", "private"):
                services.rate_set(
                    locality=locality, ownership=own, group_kind=kind, age_from=0, age_to=8, stay_mode=mode,
                    amount=Decimal(amount), valid_from=since, decision_number="№ 1/2026", by_staff=by,
                )  # fmt: skip
    services.terms_set(
        locality=locality, max_parent_fee=Decimal("15000"), paid_reasons=PAID, valid_from=since,
        decision_number="№ 1/2026", by_staff=by,
    )  # fmt: skip


def group_of(organisation: Organisation, **fields: object) -> Group:
    return GroupFactory.create(organisation=organisation, **fields)


def row_counts() -> tuple[int, ...]:
    from kezek.funding.models import Rate, Statement, StatementRow, Terms
    from kezek.ledger.models import LedgerEvent

    return tuple(m.objects.count() for m in (Rate, Terms, Statement, StatementRow, LedgerEvent))


def vendor() -> str:
    return connection.vendor
