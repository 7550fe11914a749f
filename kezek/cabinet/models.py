"""Requests to restore access to a cabinet someone else created (the seed: «переоформление Личного
кабинета на себя»), reviewed by staff."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kezek.waitlist.models import IIN_RE, PHONE_RE, Child

NOTIFY_LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]


class AccessRequest(models.Model):
    """A parent asks for the applications of their child that someone else registered.

    The requester is known by IIN (they may have no cabinet yet) and two phones confirmed by SMS codes.
    On approval the child's applications move to the requester's cabinet (created when missing); see
    `services.access_request_decide`. At most one pending request per child (a database constraint).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+", verbose_name=_("child"))
    requester_iin = models.CharField(_("requester's IIN"), max_length=12)
    phone = models.CharField(_("mobile phone"), max_length=12)
    phone_alt = models.CharField(_("second mobile phone"), max_length=12)
    language = models.CharField(_("notification language"), max_length=2, choices=NOTIFY_LANGUAGES)
    document = models.FileField(_("document"), upload_to="access_requests/%Y/%m/")
    explanation = models.TextField(_("explanation"))
    registry_parent = models.BooleanField(
        _("parent in the state register"),
        help_text=_("Whether the state person register lists the requester as a parent of the child."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reason = models.TextField(_("reason of the decision"), blank=True)
    # D2: moving a cabinet to someone the register does not list as the child's parent needs two staff.
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("first approved by"),
    )
    first_approved_at = models.DateTimeField(_("first approved at"), null=True, blank=True)

    class Meta:
        db_table = "cabinet_access_request"
        verbose_name = _("request to restore cabinet access")
        verbose_name_plural = _("requests to restore cabinet access")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="cabinet_access_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(status="pending"), name="cabinet_access_one_pending_per_child"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]),
                name="cabinet_access_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True, decided_by__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="cabinet_access_decided_iff_not_pending",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""), name="cabinet_access_rejection_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(requester_iin__regex=IIN_RE), name="cabinet_access_iin_12_digits"
            ),
            models.CheckConstraint(condition=Q(phone__regex=PHONE_RE), name="cabinet_access_phone_format"),
            models.CheckConstraint(
                condition=Q(phone_alt__regex=PHONE_RE), name="cabinet_access_phone_alt_format"
            ),
            models.CheckConstraint(condition=~Q(phone=F("phone_alt")), name="cabinet_access_phones_distinct"),
            models.CheckConstraint(condition=~Q(explanation=""), name="cabinet_access_explanation_given"),
            models.CheckConstraint(
                condition=Q(first_approved_by__isnull=True, first_approved_at__isnull=True)
                | Q(first_approved_by__isnull=False, first_approved_at__isnull=False),
                name="cabinet_access_first_approval_whole",
            ),
            models.CheckConstraint(  # D2: the second approval is another staff member's
                condition=~Q(status="approved") | ~Q(decided_by=F("first_approved_by")),
                name="cabinet_access_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"No. {self.pk} ({self.get_status_display()})"
