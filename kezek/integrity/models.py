"""Recorded runs of `integrity_check`: the ledger replayed and compared with the live tables."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

FINDINGS_KEPT = 100  # the first findings of a run are kept (as JSON); all are counted


class IntegrityRun(models.Model):
    """One run: queued by `tick` once a night (`night`), or run by `manage.py integrity_check`."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("pending")
        OK = "ok", _("no findings")
        FINDINGS = "findings", _("findings")
        ERROR = "error", _("error")

    class Trigger(models.TextChoices):
        COMMAND = "command", _("management command")
        TASK = "task", _("background task")

    night = models.DateField(_("night"), null=True, blank=True, unique=True)
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices, default=Verdict.PENDING)
    events_checked = models.PositiveBigIntegerField(_("events checked"), default=0)
    findings_count = models.PositiveBigIntegerField(_("findings"), default=0)
    findings = models.JSONField(_("first findings"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        db_table = "integrity_run"
        verbose_name = _("integrity check")
        verbose_name_plural = _("integrity checks")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=["pending", "ok", "findings", "error"]), name="integrity_run_verdict"
            ),
            models.CheckConstraint(
                condition=Q(verdict="pending") | Q(finished_at__isnull=False), name="integrity_run_finished"
            ),
        ]

    def __str__(self) -> str:
        return f"integrity check #{self.pk}: {self.verdict}"
