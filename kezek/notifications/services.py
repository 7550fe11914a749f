"""Writing the outbox in the business transaction, and sending it after commit — never twice.

A sender first claims the row with one conditional UPDATE (pending/retry and due, or `sending` with an
expired lease → `sending` with a new lease and token), sends, and then finishes the row only if its token
still holds. A sender that crashed leaves a lease that expires; then the row is claimable again, and the
gateway gets the same public id (Idempotency-Key) to drop a duplicate.
"""

import datetime as dt
import logging
import smtplib
import time
import traceback
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _
from uuid6 import uuid7

from kezek.core import clock
from kezek.core.bulk import table_writer
from kezek.core.errors import ValidationFailed
from kezek.core.masking import mask_email, mask_phone

from .backends import slowest_gateway_send, sms_backend_get
from .errors import OutboxNotInTransaction, PermanentSendError, TemporarySendError
from .models import CLAIMABLE, LANGUAGES, Channel, OutboxMessage, OutboxStatus
from .recipients import recipient_normalize
from .rendering import RenderedMessage, message_render
from .selectors import outbox_due_ids

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY_LENGTH = 200
ERROR_LENGTH = 500
LEASE_MARGIN_SECONDS = 20.0  # a claim's lease beyond the slowest SMS send: the database, an email


def notification_enqueue(
    *,
    channel: str,
    recipient: str,
    language: str,
    template: str,
    context: Mapping[str, Any],
    idempotency_key: str,
) -> OutboxMessage:
    """Render the template in `language` now, store an outbox row; send after commit.

    Must be inside the caller's `transaction.atomic()` (else OutboxNotInTransaction): a rollback leaves no
    row and sends nothing. The same `idempotency_key` again returns the existing row and sends nothing more
    (the key is unique in the database, so this holds under concurrency too). Only the rendered subject
    and text are kept, not the context. Raises ValidationFailed for an unknown channel, language or
    template, a context that does not fit the template, or a recipient that is not a mobile phone (sms)
    or an email address (email).
    """
    if not transaction.get_connection().in_atomic_block:
        raise OutboxNotInTransaction(
            "notification_enqueue must run inside the caller's transaction.atomic() block, "
            "so the message is written (and sent) only if the change it reports commits"
        )
    if channel not in Channel.values:
        raise ValidationFailed(
            _("Unknown notification channel: %(channel)s.") % {"channel": channel},
            code="notification_channel",
        )
    if language not in LANGUAGES:
        raise ValidationFailed(
            _("Unknown notification language: %(language)s.") % {"language": language},
            code="notification_language",
        )
    key = idempotency_key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_LENGTH:
        raise ValidationFailed(
            _("The idempotency key must have 1 to %(limit)s characters.") % {"limit": IDEMPOTENCY_KEY_LENGTH},
            code="notification_idempotency_key",
        )
    address = recipient_normalize(channel=channel, recipient=recipient)
    rendered = message_render(template=template, language=language, context=context)

    now = clock.now()
    message, created = OutboxMessage.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "channel": channel,
            "recipient": address,
            "language": language,
            "template": template,
            "subject": rendered.subject,
            "body": rendered.body,
            "status": OutboxStatus.PENDING,
            "next_attempt_at": now,
            "created_at": now,
        },
    )
    if created:
        transaction.on_commit(partial(_schedule_send, message.pk))
    elif (message.channel, message.recipient, message.template) != (channel, address, template):
        logger.warning(
            "Idempotency key of outbox message %s reused for another message: kept the first", message.pk
        )
    return message


@dataclass(frozen=True)
class BulkMessage:
    """One message of `notifications_enqueue_many`: its address, language, key and its own field values."""

    channel: str
    recipient: str
    language: str
    idempotency_key: str
    values: Mapping[str, str] = field(default_factory=dict)


def notifications_enqueue_many(
    *, template: str, context: Mapping[str, Any], varying: frozenset[str], messages: Sequence[BulkMessage]
) -> int:
    """Write many outbox rows of one template in one bulk write (COPY on PostgreSQL), for fan-outs of
    hundreds of thousands of messages. The template is rendered once per language and channel with
    placeholders for the `varying` fields (plain text values such as a number), which each message's
    `values` then fill in. Recipients come from validated rows of the database and are not re-checked.

    Must be inside the caller's transaction; keys must be new (a repeated key violates the unique
    constraint and rolls the caller back): callers make their batches resumable themselves. The rows
    are sent by the outbox sweep of `tick`, not one task per message.
    """
    if not transaction.get_connection().in_atomic_block:
        raise OutboxNotInTransaction("notifications_enqueue_many must run inside transaction.atomic()")
    marks = {name: f"\u27ea{name}\u27eb" for name in varying}  # ⟪name⟫: survives tidying
    rendered: dict[str, RenderedMessage] = {}
    now = clock.now()
    rows = []
    channels = frozenset(Channel.values)
    for message in messages:
        if message.channel not in channels or message.language not in LANGUAGES:
            raise ValidationFailed(
                _("Unknown notification channel or language."), code="notification_channel"
            )
        text = rendered.get(message.language)
        if text is None:
            text = rendered[message.language] = message_render(
                template=template, language=message.language, context={**context, **marks}
            )
        subject, body = text.subject, text.body
        for name, mark in marks.items():
            subject, body = (
                subject.replace(mark, message.values[name]),
                body.replace(mark, message.values[name]),
            )
        rows.append(
            (
                uuid7(),
                message.idempotency_key,
                message.channel,
                message.recipient,
                message.language,
                template,
                subject,
                body,
                OutboxStatus.PENDING,
                0,
                now,
                "",
                now,
                "",
                "",
            )
        )
    columns = [
        "public_id",
        "idempotency_key",
        "channel",
        "recipient",
        "language",
        "template",
        "subject",
        "body",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_token",
        "created_at",
        "provider_message_id",
        "last_error",
    ]
    return table_writer().insert(OutboxMessage, columns, rows)


def outbox_deliver(*, message_id: int) -> OutboxStatus | None:
    """Claim the message, send it, record the outcome; returns the new status.

    Returns None when the message could not be claimed: already sent or failed, claimed by another
    sender whose lease holds, or not due yet. Failures: `retry` with exponential backoff
    (NOTIFICATIONS_RETRY_DELAY doubled per attempt, at most NOTIFICATIONS_RETRY_MAX_DELAY), `failed` for good
    after NOTIFICATIONS_MAX_ATTEMPTS attempts or at once on a permanent error.
    """
    token = uuid.uuid4().hex
    if not _claim(message_id=message_id, token=token, now=clock.now()):
        return None
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        provider_id = _send(message)
    except PermanentSendError as exc:
        return _finish_failure(message, token=token, error=str(exc), permanent=True)
    except TemporarySendError as exc:
        return _finish_failure(message, token=token, error=str(exc), permanent=False)
    except Exception as exc:
        # The text of an unknown exception might quote the recipient: log its type and stack, not its text.
        logger.error(
            "Outbox message %s: unexpected %s while sending, traceback (text omitted):\n%s",
            message.pk,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        return _finish_failure(
            message, token=token, error=f"unexpected {type(exc).__name__}", permanent=False
        )
    return _finish_sent(message, token=token, provider_id=provider_id)


def outbox_sweep(*, limit: int | None = None) -> int:
    """The tick sweep: give up rows whose last attempt never finished, then send what is due.

    At most `limit` (NOTIFICATIONS_SWEEP_BATCH) messages per run, and no new claim after
    NOTIFICATIONS_SWEEP_SECONDS. Idempotent and safe to run concurrently (each row is claimed once).
    Returns how many rows it changed.
    """
    now = clock.now()
    batch = limit if limit is not None else int(settings.NOTIFICATIONS_SWEEP_BATCH)
    abandoned = OutboxMessage.objects.filter(
        status=OutboxStatus.SENDING, locked_until__lt=now, attempts__gte=_max_attempts()
    ).update(
        status=OutboxStatus.FAILED,
        locked_until=None,
        lease_token="",
        last_error="the last attempt did not finish before its lease expired",
    )
    deadline = time.monotonic() + float(settings.NOTIFICATIONS_SWEEP_SECONDS)
    delivered = 0
    for message_id in outbox_due_ids(now=now, limit=batch):
        if time.monotonic() > deadline:
            break
        if outbox_deliver(message_id=message_id) is not None:
            delivered += 1
    return abandoned + delivered


def outbox_sweep_tick() -> int:
    """`outbox_sweep` with the default batch, as registered with `manage.py tick`."""
    return outbox_sweep()


def _schedule_send(message_id: int) -> None:
    """After commit: hand the message to the task backend. If that fails, the tick sweep sends it."""
    from .tasks import outbox_send

    try:
        outbox_send.enqueue(message_id)
    except Exception:
        logger.exception("Outbox message %s: could not enqueue the send task; tick will send it", message_id)


def outbox_lease_seconds() -> float:
    """How long a sender's claim on a message lasts; a message held by a killed sender waits that long.
    NOTIFICATIONS_LEASE_SECONDS, or when unset the slowest SMS gateway send plus LEASE_MARGIN_SECONDS (for
    the database and an email): 60.5 s with the default gateway settings."""
    configured = settings.NOTIFICATIONS_LEASE_SECONDS
    if configured is not None:
        return float(configured)
    return slowest_gateway_send() + LEASE_MARGIN_SECONDS


def _claim(*, message_id: int, token: str, now: dt.datetime) -> bool:
    """One conditional UPDATE: only one sender can move the row to `sending` under its own lease."""
    claimable = Q(status__in=CLAIMABLE, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, locked_until__lt=now, attempts__lt=_max_attempts()
    )
    claimed = (
        OutboxMessage.objects.filter(claimable, pk=message_id).update(
            status=OutboxStatus.SENDING,
            locked_until=now + dt.timedelta(seconds=outbox_lease_seconds()),
            lease_token=token,
            attempts=F("attempts") + 1,
        )
        == 1
    )
    return claimed


def _send(message: OutboxMessage) -> str:
    if message.channel == Channel.SMS:
        return sms_backend_get().send(
            to=message.recipient, text=message.body, message_id=str(message.public_id)
        )
    return _send_email(message)


def _send_email(message: OutboxMessage) -> str:
    """Through Django's EMAIL_BACKEND. The Message-ID is the same on every attempt, so mail clients can
    tell a duplicate; SMTP itself cannot promise once-only delivery."""
    _name, sender = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = sender.rpartition("@")[2] or "kezek.local"
    message_id = f"<{message.public_id}@{domain}>"
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": message_id},
    )
    try:
        sent = email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentSendError("the mail server refused the recipient") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TemporarySendError(f"email not sent: {type(exc).__name__}") from exc
    if not sent:
        raise TemporarySendError("email not sent: the email backend sent nothing")
    logger.info("Email %s to %s sent", message.public_id, mask_email(message.recipient))
    return message_id


def _finish_sent(message: OutboxMessage, *, token: str, provider_id: str) -> OutboxStatus:
    finished = _owned(message, token).update(
        status=OutboxStatus.SENT,
        sent_at=clock.now(),
        provider_message_id=provider_id[:100],
        locked_until=None,
        lease_token="",
        last_error="",
    )
    if not finished:
        logger.warning("Outbox message %s was sent after its lease expired", message.pk)
    return OutboxStatus.SENT


def _finish_failure(message: OutboxMessage, *, token: str, error: str, permanent: bool) -> OutboxStatus:
    attempts = message.attempts  # already counts this attempt (the claim added it)
    give_up = permanent or attempts >= _max_attempts()
    fields: dict[str, Any] = {"locked_until": None, "lease_token": "", "last_error": error[:ERROR_LENGTH]}
    if give_up:
        status = OutboxStatus.FAILED
    else:
        status = OutboxStatus.RETRY
        fields["next_attempt_at"] = clock.now() + _backoff(attempts)
    if not _owned(message, token).update(status=status, **fields):
        logger.warning("Outbox message %s failed after its lease expired", message.pk)
    log = logger.error if give_up else logger.warning
    log(
        "Outbox message %s to %s, attempt %s: %s (%s)",
        message.pk,
        _masked_recipient(message),
        attempts,
        error,
        status.value,
    )
    return status


def _owned(message: OutboxMessage, token: str) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING, lease_token=token)


def _backoff(attempts: int) -> dt.timedelta:
    base = float(settings.NOTIFICATIONS_RETRY_DELAY)
    return dt.timedelta(
        seconds=min(base * 2 ** (attempts - 1), float(settings.NOTIFICATIONS_RETRY_MAX_DELAY))
    )


def _max_attempts() -> int:
    return max(1, int(settings.NOTIFICATIONS_MAX_ATTEMPTS))


def _masked_recipient(message: OutboxMessage) -> str:
    return mask_phone(message.recipient) if message.channel == Channel.SMS else mask_email(message.recipient)
