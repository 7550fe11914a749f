"""The yearly confirmation of interest (C1–C5): campaigns per locality and the applicants' answers."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kezek.facilities.models import Locality, Organisation
from kezek.waitlist.models import Applicant

from . import questions

# C2: children who reach 2 full years by 31 December of the campaign's year, i.e. born in year - 2 or before.
MIN_AGE_YEARS = 2


class Campaign(models.Model):
    """A campaign of one locality. Its state is read from the clock (`state_at`), so pages are right even
    when the sweeps of `tick` run late: `notified_through`/`notified_at` track the fan-out of the launch
    message, `swept_at` the end-of-campaign sweep. At most one campaign per locality is not yet swept."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        RUNNING = "running", _("running")
        CLOSING = "closing", _("ended, stop-listing in progress")
        CLOSED = "closed", pgettext_lazy("campaign", "closed")

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="confirmation_campaigns")
    year = models.PositiveSmallIntegerField(_("year"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    launched_at = models.DateTimeField(_("launched at"))
    launched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The last applicant id the launch message was written for (the fan-out is batched by applicant id).
    notified_through = models.PositiveBigIntegerField(default=0)
    notified_count = models.PositiveIntegerField(_("applicants notified"), default=0)
    notified_at = models.DateTimeField(_("applicants notified at"), null=True, blank=True)
    stop_listed_count = models.PositiveIntegerField(_("applications stop-listed"), default=0)
    swept_at = models.DateTimeField(_("stop-listing finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("confirmation campaign")
        verbose_name_plural = _("confirmation campaigns")
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["locality"], condition=Q(swept_at__isnull=True), name="campaign_one_open_per_locality"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="campaign_ends_after_start"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="campaign_year_sane"),
            models.CheckConstraint(
                condition=Q(swept_at__isnull=True) | Q(notified_at__isnull=False),
                name="campaign_swept_after_notified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.locality_id}/{self.year} ({self.starts_at:%Y-%m-%d}–{self.ends_at:%Y-%m-%d})"

    @property
    def last_cohort(self) -> int:
        """The youngest birth year whose applications must be confirmed (C2)."""
        return self.year - MIN_AGE_YEARS

    def ended_at(self, now: dt.datetime) -> bool:
        """Whether answering is over by `now` (closing or closed): its end can no longer change."""
        return self.swept_at is not None or now >= self.ends_at

    def state_at(self, now: dt.datetime) -> str:
        if self.swept_at is not None:
            return self.State.CLOSED
        if now < self.starts_at:
            return self.State.SCHEDULED
        if now < self.ends_at:
            return self.State.RUNNING
        return self.State.CLOSING


class Response(models.Model):
    """One applicant's answers in one campaign (C3); submitting them extended the applicant's applications."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="responses")
    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="confirmation_responses")
    submitted_at = models.DateTimeField(_("submitted at"))
    ownership = models.CharField(
        _("ownership preference"), max_length=10, choices=questions.Ownership.choices
    )
    ownership_reason = models.CharField(
        _("why"), max_length=10, choices=questions.OwnershipReason.choices, blank=True
    )
    language = models.CharField(_("language of education"), max_length=2, choices=questions.Language.choices)
    max_payment = models.PositiveIntegerField(_("the most we can pay a month, ₸"))
    activities = models.JSONField(_("extra activities"), default=list)
    activity_other = models.CharField(
        _("other activity"), max_length=questions.ACTIVITY_OTHER_MAX, blank=True
    )
    digital = models.JSONField(_("digital services"), default=list)

    class Meta:
        verbose_name = _("questionnaire answers")
        verbose_name_plural = _("questionnaire answers")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "applicant"], name="response_one_per_applicant"),
            models.CheckConstraint(
                condition=Q(ownership__in=questions.Ownership.values), name="response_ownership_valid"
            ),
            models.CheckConstraint(
                condition=Q(ownership="any", ownership_reason="")
                | Q(~Q(ownership="any"), ownership_reason__in=questions.OwnershipReason.values),
                name="response_reason_unless_any",
            ),
            models.CheckConstraint(
                condition=Q(language__in=questions.Language.values), name="response_language_valid"
            ),
            models.CheckConstraint(
                condition=Q(max_payment__in=questions.PAYMENT_BANDS), name="response_payment_band"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.applicant_id}"


class ResponseKindergarten(models.Model):
    """Question 1: a kindergarten the applicant would like (1 to 3, ranked)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="kindergartens")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rank"))

    class Meta:
        ordering = ["rank"]
        indexes = [models.Index(fields=["organisation"], name="response_kg_organisation_idx")]
        constraints = [
            models.UniqueConstraint(fields=["response", "rank"], name="response_kg_rank_unique"),
            models.UniqueConstraint(fields=["response", "organisation"], name="response_kg_unique"),
            models.CheckConstraint(
                condition=Q(rank__gte=1, rank__lte=questions.MAX_KINDERGARTENS), name="response_kg_rank_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.rank}. {self.organisation_id}"
