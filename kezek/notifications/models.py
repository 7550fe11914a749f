"""The notifications outbox: one row per message, written in the business transaction, sent after commit."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from uuid6 import uuid7


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    RETRY = "retry", _("failed, will retry")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


# The languages of messages (settings.LANGUAGES; fixed by the spec, so a constraint may name them).
LANGUAGES = ("kk", "ru", "en")

# Statuses a sender may claim (together with `sending` whose lease has expired).
CLAIMABLE = (OutboxStatus.PENDING, OutboxStatus.RETRY)


class OutboxMessage(models.Model):
    """A rendered message and its delivery state. The template context is not kept, only the text.

    `public_id` is the message's identity outside the database: it goes to the SMS gateway as the
    message id and the Idempotency-Key header (the caller's key may contain identifiers, so it stays here).
    It is a UUIDv7: 74 random bits, and time-ordered, so new rows land at the end of its unique index
    rather than on a random page (fan-outs write hundreds of thousands at once).
    `attempts` counts claims, so an attempt that crashed mid-send counts too.
    """

    public_id = models.UUIDField(_("public id"), default=uuid7, editable=False)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254, help_text=_("+77XXXXXXXXX or an email"))
    language = models.CharField(_("language"), max_length=2)
    template = models.CharField(_("template"), max_length=64)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))

    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    lease_token = models.CharField(_("lease token"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        db_table = "notifications_outbox"
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status__in=["pending", "retry"]),
                name="outbox_due_idx",
            ),
            models.Index(fields=["locked_until"], condition=Q(status="sending"), name="outbox_lease_idx"),
            models.Index(fields=["recipient", "created_at"], name="outbox_recipient_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="outbox_idempotency_key_unique"),
            models.UniqueConstraint(fields=["public_id"], name="outbox_public_id_unique"),
            models.CheckConstraint(
                condition=Q(status__in=[status.value for status in OutboxStatus]), name="outbox_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[channel.value for channel in Channel]), name="outbox_channel_valid"
            ),
            models.CheckConstraint(condition=Q(language__in=LANGUAGES), name="outbox_language_valid"),
            models.CheckConstraint(condition=~Q(idempotency_key=""), name="outbox_idempotency_key_not_empty"),
            models.CheckConstraint(condition=~Q(recipient=""), name="outbox_recipient_not_empty"),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(locked_until__isnull=False),
                name="outbox_sending_has_lease",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="outbox_sent_has_sent_at"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel} {self.template} ({self.status})"
