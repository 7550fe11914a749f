"""Place exchange (rules E70–E79): a parent offers their child's seat in a group and ranks the
kindergartens they would accept; weekly rounds find exchanges by top trading cycles; each receiving head
accepts before a deadline; an accepted cycle moves every enrolment in one transaction.

An offer names kindergartens only — never a family or a child (E70): nothing can be sold."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kezek.facilities.models import Group, Language, Locality, Organisation
from kezek.placement.models import Enrollment
from kezek.waitlist.models import Applicant

CHOICES_MAX = 5  # kindergartens one offer may rank (E71)


class ExchangeOffer(models.Model):
    """A seat offered for exchange: the child's enrolment and its group when offered (E70)."""

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for a round")
        PROPOSED = "proposed", _("in a proposed exchange")
        EXCHANGED = "exchanged", _("exchanged")
        WITHDRAWN = "withdrawn", _("withdrawn")
        VOID = "void", _("void: the child left or moved")

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="exchange_offers")
    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="exchange_offers")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="exchange_offers")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="exchange_offers")
    # The group wanted (E72): its age range [age_from, age_to) and language.
    age_from = models.PositiveSmallIntegerField(_("age from (years)"))
    age_to = models.PositiveSmallIntegerField(_("age to (years, exclusive)"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("offered at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("exchange offer")
        verbose_name_plural = _("exchange offers")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["locality", "created_at"], condition=Q(status="open"), name="exoffer_open_idx"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(status__in=["open", "proposed"]),
                name="exoffer_one_live_per_enrollment",
            ),
            models.CheckConstraint(
                condition=Q(age_from__lt=models.F("age_to"), age_to__lte=8), name="exoffer_age_range_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "proposed", "exchanged", "withdrawn", "void"]),
                name="exoffer_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "proposed"], closed_at__isnull=True)
                | (~Q(status__in=["open", "proposed"]) & Q(closed_at__isnull=False)),
                name="exoffer_closed_when_done",
            ),
        ]

    def __str__(self) -> str:
        return f"offer {self.pk} ({self.status})"


class ExchangeChoice(models.Model):
    """One kindergarten an offer accepts, by rank (1 = most wanted) (E71)."""

    offer = models.ForeignKey(ExchangeOffer, on_delete=models.CASCADE, related_name="choices")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rank"))

    class Meta:
        ordering = ["offer", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "rank"], name="exchoice_rank_unique"),
            models.UniqueConstraint(fields=["offer", "organisation"], name="exchoice_organisation_unique"),
            models.CheckConstraint(
                condition=Q(rank__gte=1, rank__lte=CHOICES_MAX), name="exchoice_rank_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id}#{self.rank}: {self.organisation_id}"


class ExchangeRound(models.Model):
    """The weekly clearing round of a locality (E73): one per locality and week; `runs` counts its
    re-runs after a dropped exchange (E75)."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="exchange_rounds")
    week = models.DateField(_("week (its Monday)"))
    started_at = models.DateTimeField(_("run at"))
    runs = models.PositiveSmallIntegerField(_("runs"), default=1)
    rerun_due = models.BooleanField(_("to be run again"), default=False)  # an exchange was dropped (E75)
    offers = models.PositiveIntegerField(_("offers considered"), default=0)

    class Meta:
        verbose_name = _("exchange round")
        verbose_name_plural = _("exchange rounds")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["locality", "week"], name="exround_one_per_week"),
        ]

    def __str__(self) -> str:
        return f"round {self.pk} ({self.week})"


class Exchange(models.Model):
    """One trading cycle of a round (E73): proposed until every receiving head accepts (completed) or one
    declines or the deadline passes (dropped) (E74)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("waiting for the heads")
        COMPLETED = "completed", _("completed")
        DROPPED = "dropped", _("dropped")

    class Dropped(models.TextChoices):
        DECLINED = "declined", _("a head declined")
        LAPSED = "lapsed", _("not accepted in time")
        VOID = "void", _("a child left or moved meanwhile")

    round = models.ForeignKey(ExchangeRound, on_delete=models.PROTECT, related_name="exchanges")
    run = models.PositiveSmallIntegerField(_("run"))
    length = models.PositiveSmallIntegerField(_("families in the cycle"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    dropped = models.CharField(_("why dropped"), max_length=10, choices=Dropped.choices, blank=True)
    proposed_at = models.DateTimeField(_("proposed at"))
    accept_until = models.DateTimeField(_("accept until"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        ordering = ["-proposed_at", "-pk"]
        indexes = [
            models.Index(fields=["accept_until"], condition=Q(status="proposed"), name="exchange_due_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(length__gte=2), name="exchange_cycle_length"),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "completed", "dropped"]), name="exchange_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="dropped", dropped__in=["declined", "lapsed", "void"])
                | (~Q(status="dropped") & Q(dropped="")),
                name="exchange_dropped_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed", closed_at__isnull=True)
                | (~Q(status="proposed") & Q(closed_at__isnull=False)),
                name="exchange_closed_when_done",
            ),
            models.CheckConstraint(
                condition=Q(accept_until__gt=models.F("proposed_at")), name="exchange_deadline_after"
            ),
        ]

    def __str__(self) -> str:
        return f"exchange {self.pk} ({self.status})"


class ExchangeMove(models.Model):
    """One step of a cycle: the offer's child moves into the seat of `seat` (another offer's group), once
    the head of that kindergarten accepts (E74)."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("waiting")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    exchange = models.ForeignKey(Exchange, on_delete=models.PROTECT, related_name="moves")
    offer = models.ForeignKey(ExchangeOffer, on_delete=models.PROTECT, related_name="moves")
    seat = models.ForeignKey(ExchangeOffer, on_delete=models.PROTECT, related_name="+")
    from_group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    to_group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("position in the cycle"))
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    live = models.BooleanField(default=True)  # while its exchange is proposed

    class Meta:
        ordering = ["exchange", "position"]
        constraints = [
            models.UniqueConstraint(fields=["exchange", "position"], name="exmove_position_unique"),
            # E73: an offer moves, and its seat is taken, in at most one live exchange.
            models.UniqueConstraint(fields=["offer"], condition=Q(live=True), name="exmove_offer_live"),
            models.UniqueConstraint(fields=["seat"], condition=Q(live=True), name="exmove_seat_live"),
            models.CheckConstraint(
                condition=Q(decision__in=["pending", "accepted", "declined"]), name="exmove_decision_valid"
            ),
            models.CheckConstraint(
                condition=Q(decision="pending", decided_at__isnull=True)
                | (~Q(decision="pending") & Q(decided_at__isnull=False)),
                name="exmove_decided_when_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exchange_id}/{self.position}: {self.from_group_id} → {self.to_group_id}"
