"""Writes of funding (E20–E29): rates and terms (ledger events with the akimat's decision), the month's
statements (calculated from locked timesheets, frozen as snapshots), corrections as REFUND/CORRECTION rows."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, OuterRef, Subquery
from django.utils.translation import gettext as _

from kezek.attendance.models import AbsenceReason, Correction, TimesheetMonth
from kezek.core import clock
from kezek.core.bulk import table_writer
from kezek.core.errors import Conflict, ValidationFailed
from kezek.facilities.models import Group, Locality, Organisation
from kezek.ledger.hashing import canonical_json
from kezek.ledger.services import EventSpec, ledger_append, ledger_append_many
from kezek.records.models import ChildFile

from . import calculation as calc
from . import selectors
from .locks import localities_lock
from .models import ZERO, Rate, Statement, StatementGroup, StatementRow, Terms

MAX_AMOUNT = Decimal("999999999999.99")
REASONS = frozenset(value for value, _label in AbsenceReason.choices)


# --------------------------------------------------------------------------------------- rates and terms


def _money(value: object) -> Decimal:
    """A non-negative amount in tenge with at most two decimals (E20), else 422."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("The amount is not a number."), code="amount_invalid") from None
    if not amount.is_finite():
        raise ValidationFailed(_("The amount is not a number."), code="amount_invalid")
    if amount < 0:
        raise ValidationFailed(_("An amount cannot be negative."), code="amount_negative")
    if amount > MAX_AMOUNT or amount != amount.quantize(calc.TIYN):
        raise ValidationFailed(_("An amount has at most two decimals (tiyn)."), code="amount_invalid")
    return amount.quantize(calc.TIYN)


def _validity(valid_from: dt.date, valid_until: dt.date | None) -> None:
    """E20: validity runs from the first day of a month to the first day of a later month (or is open)."""
    if valid_from.day != 1 or (valid_until is not None and valid_until.day != 1):
        raise ValidationFailed(
            _("A rate is valid from the first day of a month to the first day of a month."),
            code="validity_day",
        )
    if valid_until is not None and valid_until <= valid_from:
        raise ValidationFailed(_("The validity ends before it starts."), code="validity_order")


def _decision(number: str) -> str:
    number = (number or "").strip()
    if not number or len(number) > 60:
        raise ValidationFailed(_("Give the number of the akimat's decision."), code="decision_required")
    return number


def _overlap(rows: Any, valid_from: dt.date, valid_until: dt.date | None) -> Any:
    rows = rows.exclude(valid_until__lte=valid_from)
    if valid_until is not None:
        rows = rows.filter(valid_from__lt=valid_until)
    return rows


def _saved(obj: Rate | Terms) -> None:
    """Save; the database's own refusal of an overlap (a concurrent writer) is the same 409."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise Conflict(_("Another rate is valid on some of these days."), code="validity_overlap") from None


def rate_set(
    *,
    locality: Locality,
    ownership: str,
    group_kind: str,
    age_from: int,
    age_to: int,
    stay_mode: str,
    amount: object,
    valid_from: dt.date,
    decision_number: str,
    by_staff: AbstractBaseUser,
    valid_until: dt.date | None = None,
) -> Rate:
    """E20: a new normative for one key from `valid_from`. An open-ended rate of the same key and band that
    started earlier ends where this one starts (the akimat's new decision); any other overlap is 409.
    One `funding.rate_set` event with the decision's number."""
    value = _money(amount)
    if ownership not in Organisation.Ownership.values:
        raise ValidationFailed(_("Unknown ownership."), code="ownership_invalid")
    if group_kind not in Group.Kind.values:
        raise ValidationFailed(_("Unknown group kind."), code="group_kind_invalid")
    if stay_mode not in Group.StayMode.values:
        raise ValidationFailed(_("Unknown stay mode."), code="stay_mode_invalid")
    if not (0 <= age_from < age_to <= 8):
        raise ValidationFailed(_("The age band is not valid."), code="age_band_invalid")
    _validity(valid_from, valid_until)
    decision = _decision(decision_number)
    key = {"ownership": ownership, "group_kind": group_kind, "stay_mode": stay_mode}
    with transaction.atomic():
        localities_lock([locality.pk])
        same = Rate.objects.filter(locality=locality, **key)
        ended = (
            same.filter(age_from=age_from, age_to=age_to, valid_until__isnull=True, valid_from__lt=valid_from)
            .order_by("-valid_from")
            .first()
            if valid_until is None
            else None
        )
        others = same.filter(age_from__lt=age_to, age_to__gt=age_from)
        if ended is not None:
            others = others.exclude(pk=ended.pk)
        if _overlap(others, valid_from, valid_until).exists():
            raise Conflict(_("Another rate is valid on some of these days."), code="validity_overlap")
        now = clock.now()
        if ended is not None:
            ended.valid_until = valid_from
            ended.changed_at = now
            _saved(ended)
        rate = Rate(
            locality=locality, age_from=age_from, age_to=age_to, amount=value, valid_from=valid_from,
            valid_until=valid_until, decision_number=decision, changed_at=now, **key,
        )  # fmt: skip
        _saved(rate)
        ledger_append(
            kind="funding.rate_set",
            subject_type="funding_rate",
            subject_id=str(rate.pk),
            locality_code=locality.code,
            payload={
                "rate": rate.pk, **key, "age_from": age_from, "age_to": age_to, "amount": str(value),
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat() if valid_until else None,
                "decision_number": decision, "ended": ended.pk if ended else None, "by": by_staff.pk,
            },
        )  # fmt: skip
    return rate


def rate_amend(*, rate: Rate, amount: object, decision_number: str, by_staff: AbstractBaseUser) -> Rate:
    """E20/E26: a fix of a rate's amount by a decision (validity unchanged). Frozen months it covers are
    corrected in the next statements (REFUND + CORRECTION rows). One `funding.rate_amended` event."""
    value = _money(amount)
    decision = _decision(decision_number)
    with transaction.atomic():
        localities_lock([rate.locality_id])
        rate = Rate.objects.select_related("locality").get(pk=rate.pk)
        previous = rate.amount
        if value == previous:
            raise Conflict(_("The rate already has this amount."), code="no_change")
        rate.amount, rate.decision_number, rate.changed_at = value, decision, clock.now()
        rate.save(update_fields=["amount", "decision_number", "changed_at"])
        ledger_append(
            kind="funding.rate_amended",
            subject_type="funding_rate",
            subject_id=str(rate.pk),
            locality_code=rate.locality.code,
            payload={
                "rate": rate.pk, "amount": str(value), "previous_amount": str(previous),
                "decision_number": decision, "by": by_staff.pk,
            },
        )  # fmt: skip
    return rate


def terms_set(
    *,
    locality: Locality,
    max_parent_fee: object,
    paid_reasons: Iterable[str],
    valid_from: dt.date,
    decision_number: str,
    by_staff: AbstractBaseUser,
    valid_until: dt.date | None = None,
) -> Terms:
    """E21: the locality's maximum parental fee and paid absence reasons from `valid_from` (an open-ended
    earlier period ends there). One `funding.terms_set` event with the decision's number."""
    fee = _money(max_parent_fee)
    reasons = sorted(set(paid_reasons))
    if not set(reasons) <= REASONS:
        raise ValidationFailed(_("Unknown absence reason."), code="reason_invalid")
    _validity(valid_from, valid_until)
    decision = _decision(decision_number)
    with transaction.atomic():
        localities_lock([locality.pk])
        same = Terms.objects.filter(locality=locality)
        open_ended = same.filter(valid_until__isnull=True, valid_from__lt=valid_from).order_by("-valid_from")
        ended = open_ended.first() if valid_until is None else None
        others = same.exclude(pk=ended.pk) if ended is not None else same
        if _overlap(others, valid_from, valid_until).exists():
            raise Conflict(_("Other terms are valid on some of these days."), code="validity_overlap")
        now = clock.now()
        if ended is not None:
            ended.valid_until, ended.changed_at = valid_from, now
            _saved(ended)
        terms = Terms(
            locality=locality, max_parent_fee=fee, paid_reasons=reasons, valid_from=valid_from,
            valid_until=valid_until, decision_number=decision, changed_at=now,
        )  # fmt: skip
        _saved(terms)
        ledger_append(
            kind="funding.terms_set",
            subject_type="funding_terms",
            subject_id=str(terms.pk),
            locality_code=locality.code,
            payload={
                "terms": terms.pk, "max_parent_fee": str(fee), "paid_reasons": reasons,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat() if valid_until else None,
                "decision_number": decision, "ended": ended.pk if ended else None, "by": by_staff.pk,
            },
        )  # fmt: skip
    return terms


# ----------------------------------------------------------------------------------------- statements

ROW_COLUMNS = (
    "statement_id", "kind", "for_month", "enrollment_id", "child_id", "group_id", "working_days",
    "present_days", "paid_absence_days", "paid_days", "rate_id", "normative", "amount", "refunds_id",
)  # fmt: skip


STATEMENT_COLUMNS = (
    "id", "organisation_id", "month", "state", "computed_at", "frozen_at", "children", "paid_days", "amount",
    "corrections", "total", "missing_rates", "fees_above_cap", "sha256",
)  # fmt: skip


@dataclass
class Totals:
    children: int = 0
    paid_days: int = 0
    amount: Decimal = ZERO
    corrections: Decimal = ZERO
    missing: set[int] = field(default_factory=set)
    groups: set[tuple[int, dt.date, int | None]] = field(default_factory=set)  # E25: group, month, rate


@dataclass(frozen=True)
class Calculated:
    """What `statements_calculate` did: statements written, their rows, and the kindergartens skipped
    (organisation id → why: "not_locked", "frozen", "earlier_draft")."""

    statements: int
    rows: int
    skipped: dict[int, str]


def _month(month: dt.date) -> dt.date:
    if month.day != 1:
        raise ValidationFailed(_("A month is given by its first day."), code="month_invalid")
    return month


def _eligible(*, month: dt.date, organisations: Sequence[int]) -> tuple[dict[int, list[int]], dict[int, str]]:
    """E24/E25: the kindergartens whose every timesheet of the month is locked, with no frozen statement of
    the month and no draft of an earlier month → {organisation: [its groups]}; the others → why not."""
    groups: dict[int, list[int]] = defaultdict(list)
    skipped: dict[int, str] = {}
    sheets = TimesheetMonth.objects.filter(month=month, group__organisation_id__in=organisations)
    for group_id, organisation_id, state in sheets.values_list("group_id", "group__organisation_id", "state"):
        if state != TimesheetMonth.State.LOCKED:
            skipped[organisation_id] = "not_locked"
        groups[organisation_id].append(group_id)
    for organisation_id in organisations:
        if organisation_id not in groups:
            skipped.setdefault(organisation_id, "not_locked")
    statements = Statement.objects.filter(organisation_id__in=list(groups))
    for organisation_id in statements.filter(month=month, state=Statement.State.FROZEN).values_list(
        "organisation_id", flat=True
    ):
        skipped.setdefault(organisation_id, "frozen")
    for organisation_id in statements.filter(month__lt=month, state=Statement.State.DRAFT).values_list(
        "organisation_id", flat=True
    ):
        skipped.setdefault(organisation_id, "earlier_draft")
    return {o: sorted(g) for o, g in groups.items() if o not in skipped}, skipped


def _skip_message(reason: str) -> str:
    return {
        "not_locked": _("The month's timesheets of the kindergarten are not all locked."),
        "frozen": _("The kindergarten's statement of the month is already frozen."),
        "earlier_draft": _("Freeze the kindergarten's statement of an earlier month first."),
    }[reason]


def _row(statement_id: int, kind: str, month: dt.date, cm: calc.ChildMonth, amount: Decimal,
         refunds: int | None = None) -> tuple[object, ...]:  # fmt: skip
    return (
        statement_id, kind, month, cm.enrollment_id, cm.child_id, cm.group_id, cm.working_days,
        cm.present_days, cm.paid_absence_days, cm.paid_days, cm.rate_id, cm.normative, amount, refunds,
    )  # fmt: skip


def statements_calculate(
    *,
    month: dt.date,
    locality: Locality,
    by_staff: AbstractBaseUser | None,
    organisation: Organisation | None = None,
    batch: int = calc.GROUP_BATCH,
) -> Calculated:
    """E22–E26: (re)compute the draft statements of `month` for the locality's kindergartens (or one)
    whose timesheets of the month are all locked: a REGULAR row per enrolment with marks, and for earlier
    frozen months whose figures changed since (an attendance correction shown up to this month, a rate or
    terms changed after the freeze) a REFUND of the effective frozen row and a CORRECTION row.
    Nothing is written and 409 is answered when no kindergarten qualifies (or the one asked for does not)."""
    month = _month(month)
    if month >= calc.month_start(clock.today()):
        raise Conflict(_("The month is not over yet."), code="month_not_over")
    organisations = (
        [organisation.pk]
        if organisation is not None
        else list(Organisation.objects.filter(locality=locality).values_list("pk", flat=True))
    )
    if organisation is not None and organisation.locality_id != locality.pk:
        raise ValidationFailed(_("The kindergarten is not in this locality."), code="locality_mismatch")
    eligible, skipped = _eligible(month=month, organisations=organisations)
    if not eligible:
        if organisation is not None:
            raise Conflict(_skip_message(skipped.get(organisation.pk, "not_locked")), code="month_not_locked")
        raise Conflict(_("No kindergarten has its timesheets of the month locked."), code="month_not_locked")
    with transaction.atomic():
        localities_lock([locality.pk])
        calc.tune_session()
        eligible, skipped = _eligible(month=month, organisations=organisations)  # again, under the lock
        now = clock.now()
        _drafts_delete(month=month, organisations=sorted(eligible))
        writer = table_writer()
        ids = dict(zip(sorted(eligible), writer.allocate_ids(Statement, len(eligible)), strict=True))
        totals = {o: Totals() for o in eligible}
        # The rows first (their statements' ids drawn above; the foreign key is checked at commit), then
        # the statements with their totals, in bulk.
        written = _regular_rows(month=month, eligible=eligible, ids=ids, totals=totals, batch=batch)
        written += _correction_rows(month=month, eligible=eligible, ids=ids, totals=totals, batch=batch)
        _statement_groups_insert(ids=ids, totals=totals)
        above_cap = _fees_above_cap(locality=locality, statement_ids=sorted(ids.values()))
        statements = []
        for organisation_id, pk in sorted(ids.items()):
            t = totals[organisation_id]
            statements.append(
                Statement(
                    pk=pk, organisation_id=organisation_id, month=month, state=Statement.State.DRAFT,
                    computed_at=now, children=t.children, paid_days=t.paid_days, amount=t.amount,
                    corrections=t.corrections, total=t.amount + t.corrections, missing_rates=len(t.missing),
                    fees_above_cap=above_cap.get(organisation_id, 0),
                )
            )  # fmt: skip
        writer.insert(
            Statement,
            STATEMENT_COLUMNS,
            [tuple(getattr(s, name) for name in STATEMENT_COLUMNS) for s in statements],
        )
        ledger_append(
            kind="funding.statements_calculated",
            subject_type="locality",
            subject_id=str(locality.pk),
            locality_code=locality.code,
            payload={
                "month": month.isoformat(), "statements": len(statements), "rows": written,
                "amount": str(sum((s.total for s in statements), ZERO)),
                "by": by_staff.pk if by_staff is not None else None,
            },
        )  # fmt: skip
    return Calculated(statements=len(ids), rows=written, skipped=skipped)


def _fees_above_cap(*, locality: Locality, statement_ids: Sequence[int]) -> dict[int, int]:
    """E21: per kindergarten, the children of its statements whose contract's monthly fee (E3) exceeds the
    locality's maximum parental fee in force on the contract's date — a flag for the department."""
    cap = selectors.terms_in_force(locality_id=locality.pk, on=OuterRef("contract_date"))
    found = (
        ChildFile.objects.filter(
            enrollment_id__in=StatementRow.objects.filter(statement_id__in=statement_ids).values(
                "enrollment_id"
            ),
            monthly_fee__gt=Subquery(cap.values("max_parent_fee")[:1]),
        )
        .values("organisation_id")
        .annotate(n=Count("enrollment_id", distinct=True))
        .values_list("organisation_id", "n")
    )
    return dict(found)


def _statement_groups_insert(*, ids: dict[int, int], totals: dict[int, Totals]) -> None:
    """E25: each statement's group-months at their rates, as its rows were written (what the rows'
    composite foreign key checks on PostgreSQL, migration 0005), in bulk."""
    rows = [
        (ids[organisation_id], group_id, for_month, rate_id)
        for organisation_id, t in sorted(totals.items())
        for group_id, for_month, rate_id in sorted(t.groups, key=lambda g: (g[0], g[1], g[2] or 0))
    ]
    table_writer().insert(StatementGroup, ("statement_id", "group_id", "for_month", "rate_id"), rows)


def _drafts_delete(*, month: dt.date, organisations: Sequence[int]) -> None:
    """The drafts of the month, their rows and groups, in three statements (no row of a draft is refunded:
    E26 refunds frozen rows only)."""
    ids = list(
        Statement.objects.filter(organisation_id__in=organisations, month=month, state="draft").values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM funding_statementrow WHERE statement_id IN ({marks})", chunk)  # noqa: S608
            cursor.execute(f"DELETE FROM funding_statementgroup WHERE statement_id IN ({marks})", chunk)  # noqa: S608
            cursor.execute(f"DELETE FROM funding_statement WHERE id IN ({marks})", chunk)  # noqa: S608


def _regular_rows(
    *,
    month: dt.date,
    eligible: dict[int, list[int]],
    ids: dict[int, int],
    totals: dict[int, Totals],
    batch: int,
) -> int:
    """E23: one REGULAR row per enrolment with marks in the month, written in bulk a batch of groups at a
    time (COPY on PostgreSQL)."""
    group_ids = [g for groups in eligible.values() for g in groups]
    terms = calc.group_terms(group_ids=group_ids, month=month)
    paid = calc.paid_reasons_in_force(locality_ids={t.locality_id for t in terms.values()}, month=month)
    if connection.vendor == "postgresql":
        return _regular_rows_in_sql(month=month, terms=terms, paid=paid, ids=ids, totals=totals, batch=batch)
    writer = table_writer()
    written = 0
    for chunk in calc.child_months_batches(month=month, terms=terms, paid_reasons=paid, batch=batch):
        rows = []
        for cm in chunk:
            t = totals[cm.organisation_id]
            t.children += 1
            t.paid_days += cm.paid_days
            t.amount += cm.amount
            t.groups.add((cm.group_id, month, cm.rate_id))
            if cm.rate_id is None:
                t.missing.add(cm.group_id)
            rows.append(_row(ids[cm.organisation_id], "regular", month, cm, cm.amount))
        written += writer.insert(StatementRow, ROW_COLUMNS, rows)
    return written


def _regular_rows_in_sql(
    *, month: dt.date, terms: dict[int, calc.GroupTerms], paid: dict[int, frozenset[str]],
    ids: dict[int, int], totals: dict[int, Totals], batch: int,
) -> int:  # fmt: skip
    """PostgreSQL: the REGULAR rows counted, priced and inserted by the database (one INSERT … SELECT per
    batch of groups of a locality: nothing of a child passes through Python), the totals returned by it."""
    by_locality: dict[int, list[int]] = defaultdict(list)
    for group_id in sorted(terms):
        by_locality[terms[group_id].locality_id].append(group_id)
    organisation_of = {pk: o for o, pk in ids.items()}
    written = 0
    for locality_id, group_ids in sorted(by_locality.items()):
        reasons = sorted(paid.get(locality_id, frozenset()))
        for start in range(0, len(group_ids), batch):
            sums = calc.regular_rows_insert_sql(
                month=month, terms=terms, statement_ids=ids, paid=reasons,
                group_ids=group_ids[start : start + batch],
            )  # fmt: skip
            for statement_id, group_id, rate_id, children, paid_days, amount in sums:
                t = totals[organisation_of[statement_id]]
                t.children += children
                t.paid_days += paid_days or 0
                t.amount += amount or ZERO
                t.groups.add((group_id, month, rate_id))
                if rate_id is None:
                    t.missing.add(group_id)
                written += children
    return written


def _months_to_recheck(*, month: dt.date, organisations: Sequence[int]) -> dict[dt.date, set[int]]:
    """E26: earlier frozen months whose figures may have changed: a correction of one of their marks shown
    up to `month`, or a rate or the terms of the locality changed after the statement was frozen."""
    found: dict[dt.date, set[int]] = defaultdict(set)
    frozen = Statement.objects.filter(organisation_id__in=organisations, month__lt=month, state="frozen")
    frozen_at: dict[tuple[int, dt.date], dt.datetime] = {
        (o, m): at
        for o, m, at in frozen.values_list("organisation_id", "month", "frozen_at")
        if at is not None
    }
    if not frozen_at:
        return found
    fixes = Correction.objects.filter(
        shown_in__lte=month, mark__group__organisation_id__in=organisations, mark__day__lt=month
    ).values_list("mark__group__organisation_id", "mark__day")
    for organisation_id, day in fixes.distinct():
        key = (organisation_id, calc.month_start(day))
        if key in frozen_at:
            found[key[1]].add(organisation_id)
    localities = dict(Organisation.objects.filter(pk__in=organisations).values_list("pk", "locality_id"))
    changed: dict[int, list[tuple[dt.datetime, dt.date, dt.date | None]]] = defaultdict(list)
    for model in (Rate, Terms):
        for locality_id, at, start, end in model.objects.filter(
            locality_id__in=set(localities.values()), changed_at__gt=min(frozen_at.values())
        ).values_list("locality_id", "changed_at", "valid_from", "valid_until"):
            changed[locality_id].append((at, start, end))
    for (organisation_id, frozen_month), at in frozen_at.items():
        for when, start, end in changed.get(localities[organisation_id], ()):
            if when > at and start <= frozen_month and (end is None or end > frozen_month):
                found[frozen_month].add(organisation_id)
    return found


def _correction_rows(
    *,
    month: dt.date,
    eligible: dict[int, list[int]],
    ids: dict[int, int],
    totals: dict[int, Totals],
    batch: int,
) -> int:
    """E26: for each earlier frozen month to recheck, recompute it (corrections shown up to `month`, rates
    as they are now) and compare each enrolment with its effective frozen row (the latest REGULAR or
    CORRECTION row of that month in a frozen statement): where they differ, a REFUND of the effective row
    and a CORRECTION row go into this month's statement."""
    writer = table_writer()
    written = 0
    for earlier, organisations in sorted(
        _months_to_recheck(month=month, organisations=list(eligible)).items()
    ):
        effective: dict[int, tuple[Any, ...]] = {}
        latest = (
            StatementRow.objects.filter(
                statement__state="frozen",
                statement__organisation_id__in=organisations,
                for_month=earlier,
                kind__in=["regular", "correction"],
            )
            .values("enrollment_id")
            .annotate(last=Max("id"))
            .values_list("last", flat=True)
        )
        for row in StatementRow.objects.filter(pk__in=list(latest)).values_list(
            "id", "enrollment_id", "child_id", "group_id", "working_days", "present_days",
            "paid_absence_days", "rate_id", "normative", "amount", "group__organisation_id",
        ):  # fmt: skip
            effective[row[1]] = row
        sheet_groups = TimesheetMonth.objects.filter(
            month=earlier, state="locked", group__organisation_id__in=organisations
        ).values_list("group_id", flat=True)
        terms = calc.group_terms(group_ids=list(sheet_groups), month=earlier)
        paid = calc.paid_reasons_in_force(locality_ids={t.locality_id for t in terms.values()}, month=earlier)
        fresh: list[calc.ChildMonth] = [
            cm
            for chunk in calc.child_months_batches(
                month=earlier, terms=terms, paid_reasons=paid, corrections_upto=month, batch=batch
            )
            for cm in chunk
        ]
        rows: list[tuple[object, ...]] = []
        seen: set[int] = set()

        for cm in fresh:
            seen.add(cm.enrollment_id)
            old = effective.get(cm.enrollment_id)
            now = (
                cm.working_days,
                cm.present_days,
                cm.paid_absence_days,
                cm.rate_id,
                cm.normative,
                cm.amount,
            )
            if old is not None and tuple(old[4:10]) == now:
                continue
            if old is not None:
                rows.append(_refund(old, ids, earlier, totals))
            rows.append(_row(ids[cm.organisation_id], "correction", earlier, cm, cm.amount))
            totals[cm.organisation_id].corrections += cm.amount
            totals[cm.organisation_id].groups.add((cm.group_id, earlier, cm.rate_id))
        for enrollment_id, old in effective.items():
            if enrollment_id not in seen:
                rows.append(_refund(old, ids, earlier, totals))
        written += writer.insert(StatementRow, ROW_COLUMNS, rows)
    return written


def _refund(
    old: tuple[Any, ...], ids: dict[int, int], earlier: dt.date, totals: dict[int, Totals]
) -> tuple[object, ...]:
    """E26: the REFUND row of an effective frozen row (its days, its amount negated, pointing at it)."""
    (row_id, enrollment_id, child_id, group_id, wd, present, paid_absent, rate_id, normative,
     amount, organisation_id) = old  # fmt: skip
    cm = calc.ChildMonth(
        enrollment_id=enrollment_id, child_id=child_id, group_id=group_id,
        organisation_id=organisation_id, working_days=wd, present_days=present,
        paid_absence_days=paid_absent, rate_id=rate_id, normative=normative, amount=amount,
    )  # fmt: skip
    totals[organisation_id].corrections -= amount
    totals[organisation_id].groups.add((group_id, earlier, rate_id))
    return _row(ids[organisation_id], "refund", earlier, cm, -amount, row_id)


def statements_freeze(
    *,
    month: dt.date,
    locality: Locality,
    by_staff: AbstractBaseUser | None,
    organisation: Organisation | None = None,
) -> int:
    """E25/E27: freeze the locality's draft statements of `month` (or one kindergarten's): each becomes a
    snapshot whose SHA-256 (of its canonical form, E27) is stored and put on the ledger
    (`funding.statement_frozen` each, then `funding.month_frozen` with the hash of their hashes). 409 when
    there is no draft to freeze."""
    month = _month(month)
    with transaction.atomic():
        localities_lock([locality.pk])
        calc.tune_session()
        drafts = Statement.objects.filter(organisation__locality=locality, month=month, state="draft")
        if organisation is not None:
            drafts = drafts.filter(organisation=organisation)
        statements = {s.pk: s for s in drafts.select_related("organisation")}
        if not statements:
            raise Conflict(
                _("There is no calculated statement of the month to freeze."), code="nothing_to_freeze"
            )
        now = clock.now()
        events = []
        for statement_id, digest in calc.statements_hashes(list(statements)):
            statement = statements[statement_id]
            statement.state, statement.frozen_at, statement.sha256 = Statement.State.FROZEN, now, digest
        ordered = sorted(statements.values(), key=lambda s: s.pk)
        _mark_frozen(ordered)
        for s in ordered:
            events.append(
                EventSpec(
                    kind="funding.statement_frozen",
                    subject_type="funding_statement",
                    subject_id=str(s.pk),
                    locality_code=locality.code,
                    payload=statement_frozen_payload(s),
                )
            )
        events.append(
            EventSpec(
                kind="funding.month_frozen",
                subject_type="locality",
                subject_id=str(locality.pk),
                locality_code=locality.code,
                payload={
                    "month": month.isoformat(),
                    "statements": len(ordered),
                    "total": str(sum((s.total for s in ordered), ZERO)),
                    "sha256": month_digest([(s.pk, s.sha256) for s in ordered]),
                    "by": by_staff.pk if by_staff is not None else None,
                },
            )
        )
        ledger_append_many(events=events)
    return len(statements)


def _mark_frozen(statements: Sequence[Statement]) -> None:
    """Write the frozen state, time and hash of the statements (one UPDATE … FROM VALUES on PostgreSQL)."""
    if connection.vendor != "postgresql":
        Statement.objects.bulk_update(statements, ["state", "frozen_at", "sha256"], batch_size=500)
        return
    with connection.cursor() as cursor:
        for start in range(0, len(statements), 2000):
            chunk = statements[start : start + 2000]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"UPDATE funding_statement s SET state = 'frozen', frozen_at = %s, sha256 = v.sha "  # noqa: S608
                f"FROM (VALUES {values}) v(id, sha) WHERE s.id = v.id",
                [chunk[0].frozen_at, *(x for s in chunk for x in (s.pk, s.sha256))],
            )


def statement_frozen_payload(statement: Statement) -> dict[str, Any]:
    return {
        "statement": statement.pk,
        "organisation": statement.organisation_id,
        "month": statement.month.isoformat(),
        "children": statement.children,
        "paid_days": statement.paid_days,
        "amount": str(statement.amount),
        "corrections": str(statement.corrections),
        "total": str(statement.total),
        "sha256": statement.sha256,
    }


def month_digest(hashes: Sequence[tuple[int, str]]) -> str:
    """E27: the month's snapshot: SHA-256 of the canonical JSON list of [statement id, its SHA-256]."""
    import hashlib

    return hashlib.sha256(
        canonical_json([[pk, digest] for pk, digest in sorted(hashes)]).encode()
    ).hexdigest()
