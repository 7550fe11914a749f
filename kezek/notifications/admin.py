import re

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kezek.core.admin import ReadOnlyAdmin
from kezek.core.masking import mask_email, mask_phone

from .models import Channel, OutboxMessage

CODE_TEMPLATES = frozenset({"phone_code", "cabinet_code"})  # their digits are one-time codes


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Read-only: messages are written by `notification_enqueue` and changed only by their sender."""

    list_display = [
        "id",
        "channel",
        "masked_recipient",
        "template",
        "language",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", "template", "language"]
    search_fields = ["=recipient", "=idempotency_key", "=public_id"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    fields = readonly_fields = (
        "public_id",
        "channel",
        "masked_recipient",
        "language",
        "template",
        "subject",
        "safe_body",
        "status",
        "attempts",
        "next_attempt_at",
        "locked_until",
        "created_at",
        "sent_at",
        "provider_message_id",
        "last_error",
    )

    @admin.display(description=_("text"))
    def safe_body(self, obj: OutboxMessage) -> str:
        """Staff never read a live one-time code: the digits of code messages are hidden."""
        if obj.template in CODE_TEMPLATES:
            return re.sub(r"\d", "•", obj.body)
        return obj.body

    @admin.display(description=_("recipient"))
    def masked_recipient(self, obj: OutboxMessage) -> str:
        return mask_phone(obj.recipient) if obj.channel == Channel.SMS else mask_email(obj.recipient)
