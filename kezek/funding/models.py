"""Per-capita funding (rules E20–E29): rates and terms per locality with validity periods, and each
kindergarten's monthly statement with its rows (frozen as a snapshot; later changes are REFUND and
CORRECTION rows of a later statement)."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from kezek.facilities.models import Group, Locality, Organisation
from kezek.placement.models import Enrollment
from kezek.waitlist.models import Child

ZERO = Decimal("0.00")


class Rate(models.Model):
    """E20: the monthly per-capita normative of a locality for one key (ownership, group kind, age band,
    stay mode), valid from the first day of a month until `valid_until` (exclusive; empty: open)."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="funding_rates")
    ownership = models.CharField(_("ownership"), max_length=10, choices=Organisation.Ownership.choices)
    group_kind = models.CharField(_("group kind"), max_length=20, choices=Group.Kind.choices)
    age_from = models.PositiveSmallIntegerField(_("age from (years)"))
    age_to = models.PositiveSmallIntegerField(_("age to (years, exclusive)"))
    stay_mode = models.CharField(_("stay mode"), max_length=10, choices=Group.StayMode.choices)
    amount = models.DecimalField(_("monthly normative, ₸"), max_digits=14, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until (exclusive)"), null=True, blank=True)
    decision_number = models.CharField(_("akimat decision number"), max_length=60)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("per-capita rate")
        verbose_name_plural = _("per-capita rates")
        ordering = ["locality_id", "ownership", "group_kind", "stay_mode", "age_from", "valid_from"]
        indexes = [models.Index(fields=["locality", "valid_from"], name="funding_rate_locality_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="funding_rate_amount_nonnegative"),
            models.CheckConstraint(condition=Q(age_from__lt=F("age_to")), name="funding_rate_age_band"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="funding_rate_validity",
            ),
            models.CheckConstraint(condition=~Q(decision_number=""), name="funding_rate_decision"),
            # Overlaps of one key: an exclusion constraint (PostgreSQL), triggers (SQLite): migration 0002.
        ]

    def __str__(self) -> str:
        key = f"{self.ownership}/{self.group_kind}/{self.stay_mode}"
        return f"{key} {self.age_from}–{self.age_to}: {self.amount}"


class Terms(models.Model):
    """E21: a locality's funding terms for a period: the maximum parental fee and which absence reasons are
    paid (attendance `AbsenceReason` codes)."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="funding_terms")
    max_parent_fee = models.DecimalField(
        _("maximum parental fee, ₸ a month"), max_digits=14, decimal_places=2
    )
    paid_reasons = models.JSONField(_("paid absence reasons"), default=list)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until (exclusive)"), null=True, blank=True)
    decision_number = models.CharField(_("akimat decision number"), max_length=60)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("funding terms")
        verbose_name_plural = _("funding terms")
        ordering = ["locality_id", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(max_parent_fee__gte=0), name="funding_terms_fee_nonnegative"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="funding_terms_validity",
            ),
            models.CheckConstraint(condition=~Q(decision_number=""), name="funding_terms_decision"),
        ]

    def __str__(self) -> str:
        return f"{self.locality_id} {self.valid_from}: {self.max_parent_fee}"


class Statement(models.Model):
    """E25: one kindergarten's statement of one month (`month` = its first day). A draft is recomputed at
    will; frozen, it is a snapshot: its rows never change (E26), its SHA-256 is on the ledger (E27)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        FROZEN = "frozen", _("frozen")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="statements")
    month = models.DateField(_("month"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    computed_at = models.DateTimeField(_("computed at"))
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    children = models.PositiveIntegerField(_("children"), default=0)
    paid_days = models.PositiveIntegerField(_("paid child-days"), default=0)
    amount = models.DecimalField(_("amount of the month, ₸"), default=ZERO, max_digits=14, decimal_places=2)
    corrections = models.DecimalField(
        _("corrections of earlier months, ₸"), default=ZERO, max_digits=14, decimal_places=2
    )
    total = models.DecimalField(_("to pay, ₸"), default=ZERO, max_digits=14, decimal_places=2)
    missing_rates = models.PositiveIntegerField(_("groups without a rate"), default=0)
    fees_above_cap = models.PositiveIntegerField(_("contracts above the maximum parental fee"), default=0)
    sha256 = models.CharField(_("SHA-256 of the statement"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("funding statement")
        verbose_name_plural = _("funding statements")
        ordering = ["-month", "organisation_id"]
        indexes = [models.Index(fields=["month", "state"], name="funding_statement_month_idx")]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "month"], name="funding_statement_one_per_month"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "frozen"]), name="funding_statement_state"
            ),
            models.CheckConstraint(
                condition=Q(state="draft", frozen_at__isnull=True)
                | Q(state="frozen", frozen_at__isnull=False) & ~Q(sha256=""),
                name="funding_statement_frozen_hashed",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="funding_statement_amount_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m}"


class StatementRow(models.Model):
    """E22–E26: one child's month. REGULAR rows are the statement's own month; a REFUND row cancels a
    frozen row of an earlier month (negative amount) and a CORRECTION row states that month anew."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("month")
        REFUND = "refund", _("refund")
        CORRECTION = "correction", _("correction")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="rows")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    for_month = models.DateField(_("month of attendance"))
    # E25: every reference is a foreign key of the database. A country's month is a million rows and each
    # key is checked row by row, so on PostgreSQL the five keys are checked as two composite ones
    # (migration 0005): (enrolment, child) against the enrolment — the row's child is its enrolment's — and
    # (statement, group, month, rate_key) against the statement's `StatementGroup`, whose own keys hold the
    # statement, group and rate. SQLite keeps the five plain keys and a trigger for the child. Only the
    # indexes the reads need (statement; enrolment and month for E26; the refunds, partial).
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="+", db_index=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+", db_index=False)
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+", db_index=False)
    working_days = models.PositiveSmallIntegerField(_("working days"))
    present_days = models.PositiveSmallIntegerField(_("days present"))
    paid_absence_days = models.PositiveSmallIntegerField(_("paid days of absence"))
    paid_days = models.PositiveSmallIntegerField(_("paid days"))
    rate = models.ForeignKey(
        Rate, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    rate_key = models.GeneratedField(
        expression=Coalesce("rate", Value(0)), output_field=models.BigIntegerField(), db_persist=True
    )
    normative = models.DecimalField(_("normative, ₸"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("amount, ₸"), max_digits=14, decimal_places=2)
    refunds = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refunds"),
        db_index=False,
    )

    class Meta:
        verbose_name = _("statement row")
        verbose_name_plural = _("statement rows")
        ordering = ["statement_id", "id"]
        indexes = [
            models.Index(fields=["enrollment", "for_month"], name="funding_row_enrollment_idx"),
            # The few refunds: what the foreign key's check reads when a row is deleted (a draft again).
            models.Index(
                fields=["refunds"], condition=Q(refunds__isnull=False), name="funding_row_refunds_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["regular", "refund", "correction"]), name="funding_row_kind"
            ),
            models.CheckConstraint(
                condition=Q(paid_days=F("present_days") + F("paid_absence_days"))
                & Q(paid_days__lte=F("working_days"))
                & Q(working_days__gt=0),
                name="funding_row_days",
            ),
            models.CheckConstraint(condition=Q(normative__gte=0), name="funding_row_normative_nonnegative"),
            models.CheckConstraint(
                condition=Q(kind="refund", amount__lte=0, refunds__isnull=False)
                | Q(kind__in=["regular", "correction"], amount__gte=0, refunds__isnull=True),
                name="funding_row_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.enrollment_id} {self.for_month:%Y-%m}: {self.amount}"


class StatementGroup(models.Model):
    """E25: a group's month in a statement at one rate (`rate_key`: the rate's id, 0 for none) — what the
    statement's rows of that group and month are priced by. Written from the rows; on PostgreSQL each row's
    statement, group, month and rate are checked against it (one composite foreign key, migration 0005)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="groups", db_index=False)
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    for_month = models.DateField(_("month of attendance"))
    rate = models.ForeignKey(Rate, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rate_key = models.GeneratedField(
        expression=Coalesce("rate", Value(0)), output_field=models.BigIntegerField(), db_persist=True
    )

    class Meta:
        verbose_name = _("group of a statement")
        verbose_name_plural = _("groups of a statement")
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "group", "for_month", "rate_key"], name="funding_statement_group_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}/{self.group_id} {self.for_month:%Y-%m}"
