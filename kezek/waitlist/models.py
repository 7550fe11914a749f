"""The queue: applicants, children, applications, benefits, stop-list (rules Q1–Q7, S1–S2, I1–I4)."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kezek.facilities.models import Language, Locality

from . import ordering

IIN_RE = r"^[0-9]{12}$"
ALL_STATUSES = ["queued", "referred", "enrolled", "stop_listed", "withdrawn", "archived"]
PHONE_RE = r"^\+77[0-9]{9}$"


class Tier(models.TextChoices):
    """Benefit tiers of Q4, in queue order."""

    EXTRAORDINARY = ordering.EXTRAORDINARY, _("extraordinary right")
    FIRST_PRIORITY = ordering.FIRST_PRIORITY, _("first-priority right")
    GENERAL = ordering.GENERAL, _("general queue")


class NotifyChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("email")


class QueueSettings(models.Model):
    """Per-locality settings of the queue (Q4). Every change is a ledger event."""

    locality = models.OneToOneField(Locality, on_delete=models.PROTECT, related_name="queue_settings")
    priority_ratio = models.PositiveSmallIntegerField(
        _("general applications per first-priority one"), default=3
    )

    class Meta:
        verbose_name = _("queue settings")
        verbose_name_plural = _("queue settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(priority_ratio__gte=1, priority_ratio__lte=20), name="queue_ratio_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.locality_id}: 1:{self.priority_ratio}"


class Applicant(models.Model):
    """A parent or guardian; also the owner of a cabinet (login by IIN, SMS code, password)."""

    iin = models.CharField(_("IIN"), max_length=12, unique=True)
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=12)
    phone_alt = models.CharField(_("second mobile phone"), max_length=12)
    email = models.EmailField(_("email"), blank=True)
    notify_channel = models.CharField(
        _("notification channel"), max_length=5, choices=NotifyChannel.choices, default=NotifyChannel.SMS
    )
    notify_language = models.CharField(
        _("notification language"), max_length=2, choices=Language.choices[:3], default=Language.RUSSIAN
    )
    password = models.CharField(_("cabinet password"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        constraints = [
            models.CheckConstraint(condition=Q(iin__regex=IIN_RE), name="applicant_iin_12_digits"),
            models.CheckConstraint(condition=Q(phone__regex=PHONE_RE), name="applicant_phone_format"),
            models.CheckConstraint(condition=Q(phone_alt__regex=PHONE_RE), name="applicant_phone_alt_format"),
            models.CheckConstraint(condition=~Q(phone=F("phone_alt")), name="applicant_phones_distinct"),
            models.CheckConstraint(
                condition=Q(notify_channel="sms") | ~Q(email=""), name="applicant_email_for_email_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name[:1]}."


class Child(models.Model):
    """A child as the person registry knows them; birth date and sex come from the IIN (I1)."""

    iin = models.CharField(_("IIN"), max_length=12, unique=True)
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1)

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        constraints = [
            models.CheckConstraint(condition=Q(iin__regex=IIN_RE), name="child_iin_12_digits"),
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="child_sex_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name[:1]}."


class BenefitCategory(models.Model):
    """A benefit category (Q4): data, per locality (a null locality means every locality)."""

    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, null=True, blank=True, related_name="benefit_categories"
    )
    code = models.SlugField(_("code"), max_length=40)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices[:2])
    name_ru = models.CharField(_("name (Russian)"), max_length=255)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    registry_code = models.CharField(
        _("registry category code"),
        max_length=40,
        blank=True,
        help_text=_("First-priority categories found under this code in a social registry are confirmed."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("benefit category")
        verbose_name_plural = _("benefit categories")
        ordering = ["tier", "code"]
        constraints = [
            models.UniqueConstraint(fields=["locality", "code"], name="benefit_category_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(locality__isnull=True), name="benefit_category_global_unique"
            ),
            models.CheckConstraint(
                condition=Q(tier__in=[Tier.EXTRAORDINARY, Tier.FIRST_PRIORITY]), name="benefit_category_tier"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return str(getattr(self, f"name_{(get_language() or 'ru')[:2]}", "") or self.name_ru)


class CohortCounter(models.Model):
    """Per locality and birth year: the last ordinal given out. Locked by every change of the cohort."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="+")
    cohort = models.PositiveSmallIntegerField(_("birth year"))
    last_ordinal = models.PositiveIntegerField(default=0)
    last_registered_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["locality", "cohort"], name="cohort_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.locality_id}/{self.cohort}: {self.last_ordinal}"


class RankNode(models.Model):
    """A node of the Fenwick tree that counts queued applications per (locality, cohort, tier) by ordinal.

    Maintained in the same transaction as every status or tier change (see `ranks.py`), so the position
    of one application is a sum of at most ~2·log2(N) rows instead of a scan of the cohort (Q6).
    """

    # `rank_node_unique` starts with the locality: no index of its own.
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="+", db_index=False)
    cohort = models.PositiveSmallIntegerField()
    tier = models.CharField(max_length=20, choices=Tier.choices)
    node = models.PositiveIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        db_table = "waitlist_rank_node"
        constraints = [
            models.UniqueConstraint(fields=["locality", "cohort", "tier", "node"], name="rank_node_unique"),
            models.CheckConstraint(condition=Q(count__gte=0), name="rank_node_count_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.locality_id}/{self.cohort}/{self.tier}/{self.node}={self.count}"


class Application(models.Model):
    """One child, one applicant, one locality (Q1). The primary key is the never-reused number."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("in the queue")
        REFERRED = "referred", _("holds a direction")
        ENROLLED = "enrolled", _("enrolled")
        STOP_LISTED = "stop_listed", _("on the stop-list")
        WITHDRAWN = "withdrawn", _("withdrawn")
        ARCHIVED = "archived", _("archived")

    ACTIVE_STATUSES = (Status.QUEUED, Status.REFERRED, Status.ENROLLED, Status.STOP_LISTED)
    # Still waiting for a place (the yearly confirmation extends these, C3).
    LIVE_STATUSES = (Status.QUEUED, Status.REFERRED, Status.STOP_LISTED)

    # No single-column indexes for locality and applicant: `application_ordinal_unique` and
    # `application_applicant_idx` start with them (every index slows the sweeps' bulk status changes).
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="applications", db_index=False
    )
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        Applicant, on_delete=models.PROTECT, related_name="applications", db_index=False
    )
    cohort = models.PositiveSmallIntegerField(_("birth year"))
    ordinal = models.PositiveIntegerField(_("order of registration in the cohort"))
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    status_reason = models.TextField(_("reason of the status"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"))
    registered_at = models.DateTimeField(_("registered at"))
    valid_until = models.DateField(_("valid until"))
    language = models.CharField(_("preferred language"), max_length=2, choices=Language.choices)
    address = models.CharField(_("actual address"), max_length=255)
    # The private half of the birth-date commitment the `application.registered` event publishes (issue 17:
    # sha256 of the ISO date and these 16 random bytes, see `commitments.py`). Never public, never changed;
    # null for applications registered before commitments (their event carries none).
    commitment_salt = models.BinaryField(_("commitment salt"), max_length=16, null=True, editable=False)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["applicant", "status"], name="application_applicant_idx"),
            models.Index(
                fields=["locality", "cohort", "tier", "ordinal"],
                condition=Q(status="queued"),
                name="application_queued_order_idx",
            ),
        ]
        constraints = [
            # Q1: at most one active application per child per locality.
            models.UniqueConstraint(
                fields=["child", "locality"],
                condition=Q(status__in=["queued", "referred", "enrolled", "stop_listed"]),
                name="application_one_active_per_child",
            ),
            models.UniqueConstraint(
                fields=["locality", "cohort", "ordinal"], name="application_ordinal_unique"
            ),
            models.CheckConstraint(condition=Q(status__in=ALL_STATUSES), name="application_status_valid"),
            models.CheckConstraint(
                condition=Q(tier__in=[t.value for t in Tier]), name="application_tier_valid"
            ),
            models.CheckConstraint(condition=Q(ordinal__gte=1), name="application_ordinal_positive"),
            models.CheckConstraint(
                condition=Q(cohort__gte=2000, cohort__lte=2100), name="application_cohort_sane"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "referred", "enrolled"]) | ~Q(status_reason=""),
                name="application_reason_for_status",
            ),
        ]

    def __str__(self) -> str:
        return f"No. {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Q1: number, registered_at, child, cohort and ordinal never change once written (also a trigger).
        if not self._state.adding and kwargs.get("update_fields") is None:
            raise TypeError("save() of an existing application must name update_fields")
        frozen = {
            "registered_at", "child", "child_id", "cohort", "ordinal", "locality", "locality_id", "id",
            "commitment_salt",
        }  # fmt: skip
        if frozen & set(kwargs.get("update_fields") or ()):
            raise TypeError("registered_at, child, locality, cohort, ordinal and salt never change (Q1)")
        super().save(*args, **kwargs)

    @property
    def number(self) -> int:
        return self.pk


class BenefitClaim(models.Model):
    """A claimed benefit of an application (Q5): from a registry (confirmed) or by a document (pending)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")

    class Source(models.TextChoices):
        REGISTRY = "registry", _("state registry")
        DOCUMENT = "document", _("document")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="benefit_claims")
    category = models.ForeignKey(BenefitCategory, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    document = models.FileField(_("document"), upload_to="benefits/%Y/%m/", blank=True)
    document_issued_on = models.DateField(_("document issued on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("benefit claim")
        verbose_name_plural = _("benefit claims")
        constraints = [
            models.UniqueConstraint(fields=["application", "category"], name="benefit_claim_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "rejected"]), name="benefit_claim_status"
            ),
            models.CheckConstraint(
                condition=Q(source="registry") | ~Q(document=""), name="benefit_claim_document_required"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""), name="benefit_claim_reason_for_rejection"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.category_id} ({self.status})"


class StopListEntry(models.Model):
    """An application's stay on the stop-list (S1, S2). Public: the reason and dates are open data."""

    class Reason(models.TextChoices):
        DIRECTION_EXPIRED = "direction_expired", _("direction not used in time")
        CLEANUP = "cleanup", _("interest not confirmed in the yearly confirmation")
        BENEFIT_REJECTED = "benefit_rejected", _("extraordinary benefit rejected")
        MANUAL = "manual", _("decision of the education department")
        VOUCHER_LAPSED = "voucher_lapsed", _("voucher not confirmed or contract not signed in time")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="stop_list_entries")
    # The application's locality and cohort (both immutable), copied so that a position can find the
    # overdue automatic restorations of its cohort by one index range (see selectors._COHORT_COLUMNS).
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="+", db_index=False)
    cohort = models.PositiveSmallIntegerField(_("birth year"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.TextField(_("written reason"), blank=True)
    since = models.DateTimeField(_("since"))
    restore_on = models.DateField(_("restored automatically on"), null=True, blank=True)
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)
    created_by = models.ForeignKey(  # no index: only manual entries have one, and users are not deleted
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("stop-list entry")
        verbose_name_plural = _("stop-list entries")
        # Only entries restored automatically are ever due: `cleanup` and `manual` ones (no restore date,
        # hundreds of thousands after a yearly confirmation) stay out of these indexes.
        indexes = [
            models.Index(
                fields=["restore_on"],
                condition=Q(restored_at__isnull=True, restore_on__isnull=False),
                name="stop_list_due_idx",
            ),
            models.Index(
                fields=["locality", "cohort", "restore_on"],
                condition=Q(restored_at__isnull=True, restore_on__isnull=False),
                name="stop_list_cohort_due_idx",
            ),
        ]
        constraints = [
            # One open entry per application.
            models.UniqueConstraint(
                fields=["application"], condition=Q(restored_at__isnull=True), name="stop_list_one_open"
            ),
            models.CheckConstraint(
                condition=~Q(reason="manual") | ~Q(note=""), name="stop_list_manual_needs_note"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=["direction_expired", "benefit_rejected"], restore_on__isnull=False)
                | Q(reason__in=["cleanup", "manual", "voucher_lapsed"]),
                name="stop_list_restore_date_when_automatic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.reason}"
