"""Errors of sending. Their messages are stored in the outbox and logged: never put a phone, an email
address or the text of the message in them."""


class SendError(Exception):
    """A channel could not deliver a message."""


class TemporarySendError(SendError):
    """Worth trying again later (timeout, connection refused, HTTP 5xx or 429)."""


class PermanentSendError(SendError):
    """Trying again will not help (the gateway refused the request: HTTP 4xx)."""


class OutboxNotInTransaction(RuntimeError):
    """`notification_enqueue` was called outside `transaction.atomic()` (a programming error, HTTP 500)."""
