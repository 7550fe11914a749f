"""Vouchers (E30–E39): under the locality's policy `voucher` the free places are not offered to holders of
one group; the next applications in line get a voucher each. The voucher is the application's (it follows
the child): the parent confirms it, chooses a kindergarten and signs the contract there (a direction,
`placement.Direction`), or waits on a full kindergarten's list."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kezek.facilities.models import Locality, Organisation
from kezek.placement.models import Direction
from kezek.waitlist.models import Application

# E31: the states in which a voucher still stands for its application (at most one per application).
LIVE_VOUCHER_STATES = ["issued", "confirmed", "waiting"]


class Voucher(models.Model):
    """One voucher of one application; the primary key is its public number."""

    class State(models.TextChoices):
        ISSUED = "issued", _("issued: waiting for the parent's confirmation")
        CONFIRMED = "confirmed", _("confirmed: choose a kindergarten and sign the contract")
        WAITING = "waiting", _("waiting for a place in the chosen kindergarten")
        CONTRACTED = "contracted", _("contract signed")
        LAPSED = "lapsed", _("not used in time: the application is inactive")
        RESTORED = "restored", _("lapsed, the application restored to the queue")
        REFUSED = "refused", _("refused by the parent")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="vouchers")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(pgettext_lazy("of a voucher", "state"), max_length=12, choices=State.choices)
    issued_at = models.DateTimeField(_("issued at"))
    confirm_until = models.DateTimeField(_("confirm until"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    contract_until = models.DateTimeField(_("sign the contract until"), null=True, blank=True)
    extended = models.BooleanField(_("contract deadline extended"), default=False)
    waiting_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    direction = models.OneToOneField(
        Direction, on_delete=models.PROTECT, null=True, blank=True, related_name="voucher"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # E33: a lapsed voucher's application can be restored until then (28 calendar days after the deadline).
    restore_until = models.DateTimeField(_("can be restored until"), null=True, blank=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-issued_at", "-pk"]
        indexes = [
            models.Index(
                fields=["confirm_until"], condition=Q(state="issued"), name="voucher_confirm_due_idx"
            ),
            models.Index(
                fields=["contract_until"], condition=Q(state="confirmed"), name="voucher_contract_due_idx"
            ),
            models.Index(
                fields=["waiting_organisation", "waiting_since"],
                condition=Q(state="waiting"),
                name="voucher_waiting_idx",
            ),
            models.Index(fields=["locality", "state"], name="voucher_locality_idx"),
        ]
        constraints = [
            # E31: one live voucher per application; E33: one restoration per application.
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state__in=LIVE_VOUCHER_STATES),
                name="voucher_one_live_per_application",
            ),
            models.UniqueConstraint(
                fields=["application"], condition=Q(state="restored"), name="voucher_one_restoration"
            ),
            models.CheckConstraint(
                condition=Q(
                    state__in=[
                        "issued",
                        "confirmed",
                        "waiting",
                        "contracted",
                        "lapsed",
                        "restored",
                        "refused",
                    ]
                ),
                name="voucher_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(confirm_until__gt=F("issued_at")), name="voucher_confirm_after"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(contract_until__isnull=False),
                name="voucher_confirmed_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["confirmed", "waiting", "contracted"])
                | Q(confirmed_at__isnull=False),
                name="voucher_confirmed_before_contract",
            ),
            models.CheckConstraint(
                condition=~Q(state="waiting")
                | Q(waiting_organisation__isnull=False, waiting_since__isnull=False),
                name="voucher_waiting_has_list",
            ),
            models.CheckConstraint(
                condition=~Q(state="contracted") | Q(direction__isnull=False),
                name="voucher_contract_direction",
            ),
            models.CheckConstraint(
                condition=Q(state__in=LIVE_VOUCHER_STATES, closed_at__isnull=True)
                | (~Q(state__in=LIVE_VOUCHER_STATES) & Q(closed_at__isnull=False)),
                name="voucher_closed_when_dead",
            ),
        ]

    def __str__(self) -> str:
        return f"voucher {self.pk} ({self.state})"


class VoucherReminder(models.Model):
    """E32: the one reminder to confirm a voucher, sent on its last working day. The voucher is the primary
    key, so the database keeps it to one per voucher however often `tick` runs."""

    voucher = models.OneToOneField(
        Voucher, on_delete=models.PROTECT, primary_key=True, related_name="reminder"
    )
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("voucher reminder")
        verbose_name_plural = _("voucher reminders")

    def __str__(self) -> str:
        return f"reminder of voucher {self.voucher_id}"
