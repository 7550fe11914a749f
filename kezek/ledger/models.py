"""The ledger: append-only, hash-chained events, and the head row that serialises appends."""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from .errors import LedgerAppendOnly
from .hashing import GENESIS_HASH, HASH_LENGTH, event_hash

# Longest allowed values of the event's text fields (checked by ledger_append on every database).
TEXT_LIMITS = {"kind": 100, "subject_type": 50, "subject_id": 64, "locality_code": 40}
APPEND_ONLY = "the ledger is append-only: write it with kezek.ledger.services.ledger_append"


class LedgerEventQuerySet(models.QuerySet["LedgerEvent"]):
    """Refuses bulk changes; the database triggers refuse them too (UPDATE on both, DELETE on PostgreSQL)."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise LedgerAppendOnly(APPEND_ONLY)

    def delete(self) -> NoReturn:
        raise LedgerAppendOnly(APPEND_ONLY)

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise LedgerAppendOnly(APPEND_ONLY)

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise LedgerAppendOnly(APPEND_ONLY)


class LedgerEvent(models.Model):
    """One event. `seq` is gapless (1, 2, 3, …) and gives the chain order; `hash` covers `prev_hash`."""

    seq = models.PositiveBigIntegerField(_("sequence number"), primary_key=True)
    kind = models.CharField(
        _("kind"), max_length=TEXT_LIMITS["kind"], help_text=_("e.g. application.registered")
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    subject_type = models.CharField(_("subject type"), max_length=TEXT_LIMITS["subject_type"], blank=True)
    subject_id = models.CharField(_("subject id"), max_length=TEXT_LIMITS["subject_id"], blank=True)
    locality_code = models.CharField(_("locality code"), max_length=TEXT_LIMITS["locality_code"], blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    prev_hash = models.CharField(_("previous hash"), max_length=HASH_LENGTH)
    hash = models.CharField(_("hash"), max_length=HASH_LENGTH)

    objects = LedgerEventQuerySet.as_manager()

    class Meta:
        db_table = "ledger_event"
        verbose_name = _("ledger event")
        verbose_name_plural = _("ledger events")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "seq"], name="ledger_event_subject_idx"),
            models.Index(fields=["kind", "seq"], name="ledger_event_kind_idx"),
            models.Index(fields=["locality_code", "seq"], name="ledger_event_locality_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="ledger_event_seq_positive"),
            models.CheckConstraint(condition=~models.Q(kind=""), name="ledger_event_kind_not_empty"),
            models.CheckConstraint(
                condition=Exact(Length("hash"), HASH_LENGTH), name="ledger_event_hash_len"
            ),
            models.CheckConstraint(
                condition=Exact(Length("prev_hash"), HASH_LENGTH), name="ledger_event_prev_hash_len"
            ),
            # Each hash is followed at most once: the chain cannot fork. (A constraint rather than
            # unique=True: no extra LIKE index on PostgreSQL.) `hash` needs no unique index of its own:
            # it covers `seq`, the primary key, so two equal hashes would be a SHA-256 collision; and
            # nothing looks events up by hash. One random-key index less per event for bulk appends.
            models.UniqueConstraint(fields=["prev_hash"], name="ledger_event_prev_hash_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerAppendOnly(APPEND_ONLY)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise LedgerAppendOnly(APPEND_ONLY)

    def compute_hash(self) -> str:
        """The hash this row should carry, recomputed from its stored fields."""
        return event_hash(
            prev_hash=self.prev_hash,
            seq=self.seq,
            kind=self.kind,
            occurred_at=self.occurred_at,
            subject_type=self.subject_type,
            subject_id=self.subject_id,
            locality_code=self.locality_code,
            payload=self.payload,
        )


class LedgerHead(models.Model):
    """The single row (id = 1) holding the last seq and hash; appends lock it with SELECT … FOR UPDATE.

    It also anchors the tail: `ledger_verify` checks that the chain ends where the head says, so
    deleting or rewriting the newest events is detected too.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(_("last sequence number"), default=0)
    last_hash = models.CharField(_("last hash"), max_length=HASH_LENGTH, default=GENESIS_HASH)

    class Meta:
        db_table = "ledger_head"
        verbose_name = _("ledger head")
        verbose_name_plural = _("ledger head")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="ledger_head_single_row"),
            models.CheckConstraint(
                condition=Exact(Length("last_hash"), HASH_LENGTH), name="ledger_head_last_hash_len"
            ),
        ]

    def __str__(self) -> str:
        return f"ledger head #{self.last_seq}"


class LedgerVerification(models.Model):
    """One run of the chain verification (`manage.py ledger_verify` or the background task), kept so the
    back-office shows when the ledger was last verified and with what result."""

    class Trigger(models.TextChoices):
        COMMAND = "command", _("management command")
        TASK = "task", _("background task")

    ran_at = models.DateTimeField(_("ran at"))
    ok = models.BooleanField(_("chain intact"))
    checked = models.PositiveBigIntegerField(_("events checked"))
    first_broken_seq = models.PositiveBigIntegerField(_("first broken event"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    duration = models.DurationField(_("duration"))
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "ledger_verification"
        verbose_name = _("ledger verification")
        verbose_name_plural = _("ledger verifications")
        ordering = ["-ran_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ok=True, first_broken_seq__isnull=True)
                | models.Q(ok=False, first_broken_seq__isnull=False),
                name="ledger_verification_broken_seq",
            ),
            models.CheckConstraint(
                condition=models.Q(trigger__in=["command", "task"]), name="ledger_verification_trigger"
            ),
        ]

    def __str__(self) -> str:
        return f"ledger verification {self.ran_at:%Y-%m-%d %H:%M}: {'ok' if self.ok else 'BROKEN'}"
