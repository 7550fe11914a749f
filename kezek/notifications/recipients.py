"""Recipients are stored in one spelling, so dedupe and look-ups agree: phones "+77XXXXXXXXX", emails
with a lower-case domain."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from kezek.core.errors import ValidationFailed
from kezek.core.phones import normalize_phone

from .models import Channel


def recipient_normalize(*, channel: str, recipient: str) -> str:
    """The stored spelling of `recipient` for `channel`; raises ValidationFailed when it is not one."""
    if channel == Channel.SMS:
        return normalize_phone(recipient)
    return email_normalize(recipient)


def email_normalize(value: str) -> str:
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationFailed(_("Enter a valid email address."), code="email_invalid") from exc
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def recipient_lookup_key(recipient: str) -> str:
    """Best-effort stored spelling for look-ups (the channel is not known): never raises."""
    try:
        return email_normalize(recipient) if "@" in recipient else normalize_phone(recipient)
    except ValidationFailed:
        return recipient.strip()
