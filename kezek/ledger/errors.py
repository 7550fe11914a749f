"""Ledger errors. These are programming errors of the caller (HTTP 500), not domain errors (4xx)."""


class LedgerError(Exception):
    """Base class of the ledger's errors."""


class LedgerNotInTransaction(LedgerError, RuntimeError):
    """`ledger_append` was called outside `transaction.atomic()`."""


class LedgerPayloadError(LedgerError, ValueError):
    """The event (kind, subject fields or payload) cannot be written to the ledger as given."""


class LedgerAppendOnly(LedgerError):
    """Someone tried to change or delete a ledger row through the ORM."""
