"""Free places and directions (rules P1–P8): publications, places, priority holders, directions, the
children in groups. A group's seats are always accounted for: enrolled + live directions + open places
never exceed its capacity, and the system publishes the rest itself (P1)."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kezek.facilities.models import Group, Locality
from kezek.waitlist.models import Application, Child

LIVE_DIRECTION_STATES = ["benefit_confirmation", "awaiting_enrollment"]
DIRECTION_MAX_DAYS_LIMIT = 90  # the most `direction_max_days` may be set to (P4)


class Policy(models.TextChoices):
    WINDOW = "window", _("priority window, then general access")
    OFFER = "offer", _("offer to the first in line")
    VOUCHER = "voucher", _("vouchers to the next in line")


class AgeReference(models.TextChoices):
    ISSUE_DATE = "issue_date", _("the day the direction is issued")
    SEPTEMBER_1 = "september_1", _("1 September of the academic year")


class PlacementSettings(models.Model):
    """Per-locality settings of distribution (P2–P5). Every change is a ledger event."""

    locality = models.OneToOneField(Locality, on_delete=models.PROTECT, related_name="placement_settings")
    distribution_policy = models.CharField(
        _("distribution policy"), max_length=10, choices=Policy.choices, default=Policy.WINDOW
    )
    priority_days = models.PositiveSmallIntegerField(_("priority window, calendar days"), default=1)
    priority_hour = models.PositiveSmallIntegerField(_("priority window ends at (hour)"), default=7)
    age_reference = models.CharField(
        _("age is counted on"), max_length=12, choices=AgeReference.choices, default=AgeReference.ISSUE_DATE
    )
    direction_working_days = models.PositiveSmallIntegerField(_("direction valid, working days"), default=5)
    direction_max_days = models.PositiveSmallIntegerField(
        _("direction valid at most, calendar days"), default=30
    )

    class Meta:
        verbose_name = _("placement settings")
        verbose_name_plural = _("placement settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(distribution_policy__in=["window", "offer", "voucher"]), name="placement_policy"
            ),
            models.CheckConstraint(condition=Q(priority_days__lte=14), name="placement_priority_days"),
            models.CheckConstraint(condition=Q(priority_hour__lte=23), name="placement_priority_hour"),
            models.CheckConstraint(
                condition=Q(age_reference__in=["issue_date", "september_1"]), name="placement_age_reference"
            ),
            models.CheckConstraint(
                condition=Q(direction_working_days__gte=1, direction_working_days__lte=30),
                name="placement_direction_days",
            ),
            models.CheckConstraint(
                condition=Q(direction_max_days__gte=1, direction_max_days__lte=DIRECTION_MAX_DAYS_LIMIT),
                name="placement_max_days",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.locality_id}: {self.distribution_policy}"


class Publication(models.Model):
    """One publication of freed places of a group: a row of the public protocol of freed places (O2)."""

    class Cause(models.TextChoices):
        CAPACITY = "capacity", _("free seats in the group")
        DEPARTURE = "departure", _("a child left the group")
        DIRECTION_DIED = "direction_died", _("a direction was not used")
        UNACCOUNTED = "unaccounted", _("free seats found by the seat check")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="publications")
    places = models.PositiveSmallIntegerField(_("places"))
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices)
    policy = models.CharField(_("distribution policy"), max_length=10, choices=Policy.choices)
    published_at = models.DateTimeField(_("published at"))
    priority_until = models.DateTimeField(_("priority access until"))

    class Meta:
        verbose_name = _("publication of free places")
        verbose_name_plural = _("publications of free places")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["published_at"], name="publication_published_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(places__gte=1), name="publication_places_positive"),
            models.CheckConstraint(
                condition=Q(priority_until__gte=F("published_at")), name="publication_window_after"
            ),
            models.CheckConstraint(
                condition=Q(cause__in=["capacity", "departure", "direction_died", "unaccounted"]),
                name="publication_cause_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.places} @ {self.published_at:%Y-%m-%d %H:%M}"


class Place(models.Model):
    """One published seat. `open` until a direction takes it (a conditional UPDATE: exactly once)."""

    class Status(models.TextChoices):
        OPEN = "open", _("free")
        TAKEN = "taken", _("taken by a direction")
        FILLED = "filled", _("filled by an enrolled child")
        RELEASED = "released", _("published again")
        WITHDRAWN = "withdrawn", _("withdrawn: the group's capacity was lowered or the group closed")

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="place_set")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="places")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        verbose_name = _("free place")
        verbose_name_plural = _("free places")
        indexes = [
            models.Index(fields=["group"], condition=Q(status="open"), name="place_open_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "taken", "filled", "released", "withdrawn"]),
                name="place_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"place {self.pk} ({self.status})"


class PriorityHolder(models.Model):
    """An application that may take the publication's places during its priority window (P2)."""

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="holders")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rank"))
    until = models.DateTimeField(_("priority access until"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "application"], name="holder_unique"),
            models.UniqueConstraint(fields=["publication", "rank"], name="holder_rank_unique"),
        ]
        indexes = [models.Index(fields=["application", "until"], name="holder_application_idx")]

    def __str__(self) -> str:
        return f"{self.publication_id}#{self.rank}: {self.application_id}"


def _verification_code() -> str:
    return secrets.token_urlsafe(12)


class Direction(models.Model):
    """A direction (P4): one place for one application; the primary key is its public number."""

    class State(models.TextChoices):
        BENEFIT_CONFIRMATION = "benefit_confirmation", _("waiting for the benefit to be confirmed")
        AWAITING_ENROLLMENT = "awaiting_enrollment", _("waiting for enrolment")
        ENROLLED = "enrolled", _("enrolled")
        DECLINED = "declined", _("declined by the parent")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="directions")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="directions")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="directions")
    state = models.CharField(pgettext_lazy("of a direction", "state"), max_length=25, choices=State.choices)
    issued_at = models.DateTimeField(_("issued at"))
    valid_until = models.DateTimeField(_("valid until"))
    latest_valid_until = models.DateTimeField(_("can be extended until"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    verification_code = models.CharField(
        _("verification code"), max_length=32, unique=True, default=_verification_code
    )

    class Meta:
        verbose_name = _("direction")
        verbose_name_plural = _("directions")
        ordering = ["-issued_at", "-pk"]
        indexes = [
            models.Index(
                fields=["valid_until"], condition=Q(state__in=LIVE_DIRECTION_STATES), name="direction_due_idx"
            ),
            models.Index(fields=["issued_at"], name="direction_issued_idx"),  # the public protocol (O3)
        ]
        constraints = [
            # P4: exactly one live direction per place, at most one per application.
            models.UniqueConstraint(
                fields=["place"], condition=Q(state__in=LIVE_DIRECTION_STATES), name="direction_one_per_place"
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state__in=LIVE_DIRECTION_STATES),
                name="direction_one_live_per_application",
            ),
            models.CheckConstraint(
                condition=Q(
                    state__in=[
                        "benefit_confirmation",
                        "awaiting_enrollment",
                        "enrolled",
                        "declined",
                        "expired",
                        "revoked",
                    ]
                ),
                name="direction_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("issued_at"), latest_valid_until__gte=F("valid_until")),
                name="direction_validity_order",
            ),
            # P4: never valid past the longest the settings allow (the locality's own limit is checked
            # when the direction is issued, and `latest_valid_until` never changes: placement 0005).
            models.CheckConstraint(
                condition=Q(
                    latest_valid_until__lte=F("issued_at") + dt.timedelta(days=DIRECTION_MAX_DAYS_LIMIT)
                ),
                name="direction_within_max_days",
            ),
            models.CheckConstraint(
                condition=Q(state__in=LIVE_DIRECTION_STATES, closed_at__isnull=True)
                | (~Q(state__in=LIVE_DIRECTION_STATES) & Q(closed_at__isnull=False)),
                name="direction_closed_when_dead",
            ),
        ]

    def __str__(self) -> str:
        return f"direction {self.pk} ({self.state})"


class Enrollment(models.Model):
    """A child in a group: from a direction, or a staff child outside the queue (P7, public mark)."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="enrollments")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="enrollments")
    direction = models.OneToOneField(
        Direction, on_delete=models.PROTECT, null=True, blank=True, related_name="enrollment"
    )
    staff_child = models.BooleanField(_("child of the kindergarten's staff"), default=False)
    staff_reason = models.TextField(_("order of the head"), blank=True)
    enrolled_on = models.DateField(_("enrolled on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    leave_reason = models.TextField(_("reason of leaving"), blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        indexes = [
            models.Index(fields=["group"], condition=Q(left_on__isnull=True), name="enrollment_current_idx"),
            # Figures (O1): enrolled / left in the last five days.
            models.Index(fields=["enrolled_on"], name="enrollment_enrolled_idx"),
            models.Index(fields=["left_on"], name="enrollment_left_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(left_on__isnull=True), name="enrollment_one_group_per_child"
            ),
            models.CheckConstraint(
                condition=Q(direction__isnull=False) | Q(staff_child=True), name="enrollment_needs_direction"
            ),
            models.CheckConstraint(
                condition=Q(staff_child=False) | ~Q(staff_reason=""), name="enrollment_staff_child_reason"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("enrolled_on")), name="enrollment_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} in {self.group_id}"


class MedicalIndication(models.Model):
    """A medical indication for a sanatorium group (P3): the parent uploads the medical conclusion in the
    cabinet, staff confirm or reject it. Only a confirmed one valid on the day admits to such a group.

    A child has at most one pending and at most one confirmed indication; confirming a renewal marks the
    confirmed one before it `superseded`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("rejected")
        SUPERSEDED = "superseded", _("replaced by a newer one")

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="medical_indications")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="medical_indications")
    document = models.FileField(_("document"), upload_to="medical/%Y/%m/")
    issued_on = models.DateField(_("document issued on"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    # The private half of the commitment its events publish (issue 17 item 4, `waitlist.commitments`): null
    # for indications submitted before commitments.
    commitment_salt = models.BinaryField(_("commitment salt"), max_length=16, null=True, editable=False)

    class Meta:
        verbose_name = _("medical indication")
        verbose_name_plural = _("medical indications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(status="pending"), name="medical_indication_one_pending"
            ),
            models.UniqueConstraint(
                fields=["child"], condition=Q(status="confirmed"), name="medical_indication_one_confirmed"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "rejected", "superseded"]),
                name="medical_indication_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("issued_on")), name="medical_indication_dates"
            ),
            models.CheckConstraint(condition=~Q(document=""), name="medical_indication_document_required"),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="medical_indication_decided_when_not_pending",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="medical_indication_reason_for_rejection",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.issued_on}–{self.valid_until} ({self.status})"
