"""One-time SMS codes (rule I4) and counters of failed password attempts."""

import uuid

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kezek.core.phones import mask_phone

CODE_HASH_LENGTH = 64  # hex HMAC-SHA256
SUBJECT_MAX_LENGTH = 64
PHONE_LENGTH = 12  # "+77012345678"


class PhoneCodePurpose(models.TextChoices):
    """What a code confirms; the API offers the same values (`schemas.PurposeLiteral`)."""

    PHONE_VERIFICATION = "phone_verification", _("phone confirmation for an application")
    CABINET_LOGIN = "cabinet_login", _("sign-in to the personal cabinet")
    PHONE_CHANGE = "phone_change", _("change of phone number")
    PASSWORD_RESET = "password_reset", _("password reset")
    WITHDRAWAL = "withdrawal", _("withdrawal of an application")


class PhoneCode(models.Model):
    """A one-time code sent by SMS. The id is the handle the client holds; only an HMAC of the code is kept.

    Life: created (sent) → confirmed (the right code was entered before `expires_at`, within the allowed
    attempts) → consumed (the step that needed the confirmed phone used it, once). Rows are purged by
    `tick` after a day; they are not ledger data.
    """

    Purpose = PhoneCodePurpose

    id = models.UUIDField(_("id"), primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(_("purpose"), max_length=32, choices=PhoneCodePurpose.choices)
    phone = models.CharField(_("phone"), max_length=PHONE_LENGTH)
    subject = models.CharField(
        pgettext_lazy("what a code is bound to", "subject"),
        max_length=SUBJECT_MAX_LENGTH,
        blank=True,
        help_text=_("What the code is bound to, e.g. an application id; empty when not bound."),
    )
    code_hash = models.CharField(_("code hash"), max_length=CODE_HASH_LENGTH)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    consumed_at = models.DateTimeField(_("consumed at"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        db_table = "verification_phone_code"
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        ordering = ["-created_at"]
        indexes = [
            # Send throttles: codes per phone / per IP in the last hour; the purge sweep.
            models.Index(fields=["phone", "created_at"], name="verif_code_phone_created_idx"),
            models.Index(fields=["ip", "created_at"], name="verif_code_ip_created_idx"),
            models.Index(fields=["created_at"], name="verif_code_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(attempts__gte=0), name="verif_code_attempts_gte_0"),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="verif_code_expires_after_created",
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed_at__isnull=True)
                | models.Q(confirmed_at__gte=models.F("created_at")),
                name="verif_code_confirmed_after_created",
            ),
            models.CheckConstraint(
                condition=models.Q(consumed_at__isnull=True)
                | models.Q(confirmed_at__isnull=False, consumed_at__gte=models.F("confirmed_at")),
                name="verif_code_consumed_requires_confirmed",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=PhoneCodePurpose.values), name="verif_code_purpose_valid"
            ),
            models.CheckConstraint(
                condition=Exact(Length("phone"), PHONE_LENGTH), name="verif_code_phone_len"
            ),
            models.CheckConstraint(
                condition=Exact(Length("code_hash"), CODE_HASH_LENGTH), name="verif_code_hash_len"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {mask_phone(self.phone)}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class FailedAttempt(models.Model):
    """Failed password attempts of one key (e.g. an IIN, or an IIN and an IP); see `attempt_limiter_*`.

    `key` is an HMAC of the caller's key, never the IIN or IP in clear. A run of failures starts at
    `first_at`; the failure that reaches the limit sets `locked_until`.
    """

    key = models.CharField(_("key hash"), max_length=CODE_HASH_LENGTH, unique=True)
    count = models.PositiveIntegerField(_("failures"), default=0)
    first_at = models.DateTimeField(_("first failure at"))
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        db_table = "verification_failed_attempt"
        verbose_name = _("failed attempt counter")
        verbose_name_plural = _("failed attempt counters")
        indexes = [models.Index(fields=["first_at"], name="verif_attempt_first_at_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(count__gte=0), name="verif_attempt_count_gte_0"),
            models.CheckConstraint(
                condition=Exact(Length("key"), CODE_HASH_LENGTH), name="verif_attempt_key_len"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key[:12]} × {self.count}"
