"""The transfer of a child's file to school (rules E60–E69): the guardian's consent, the signed school
package the kindergarten's head issues, its receipt by the school with a one-time code, and its end when
the child leaves (completed in May–August, resigned otherwise)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kezek.facilities.models import Organisation
from kezek.records.models import ChildFile
from kezek.waitlist.models import Applicant, Child

HASH_LENGTH = 64
SCHOOL_NAME_MAX = 200


class SchoolTransfer(models.Model):
    """One child's transfer to school, for one file (E61): at most one per file."""

    class State(models.TextChoices):
        CONSENTED = "consented", _("the parent consented")
        ISSUED = "issued", _("package issued")
        RECEIVED = "received", _("received by the school")
        COMPLETED = "completed", pgettext_lazy("school transfer", "completed")
        RESIGNED = "resigned", pgettext_lazy("school transfer", "resigned")

    file = models.OneToOneField(ChildFile, on_delete=models.PROTECT, related_name="school_transfer")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.CONSENTED)
    school_name = models.CharField(_("school"), max_length=SCHOOL_NAME_MAX)
    consented_at = models.DateTimeField(_("consented at"))
    consented_by = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="+")
    # E62, E63: the package, its hash and its signature (a signed note), kept as issued.
    package = models.TextField(_("package (canonical JSON)"), blank=True)
    sha256 = models.CharField(_("SHA-256 of the package"), max_length=HASH_LENGTH, blank=True)
    signature = models.TextField(_("signature (signed note)"), blank=True)
    verification_code = models.CharField(
        _("verification code"), max_length=32, unique=True, null=True, blank=True
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # E65: the school's one-time receipt code, kept only as a keyed digest.
    receipt_digest = models.CharField(max_length=HASH_LENGTH, unique=True, null=True, blank=True)
    receipt_until = models.DateTimeField(_("receipt code valid until"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    ended_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer to school")
        verbose_name_plural = _("transfers to school")
        ordering = ["-consented_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["consented", "issued", "received", "completed", "resigned"]),
                name="school_transfer_state",
            ),
            models.CheckConstraint(condition=~Q(school_name=""), name="school_transfer_school"),
            # E62: a package is whole (text, hash, signature, code, time) or absent, and exists from `issued`.
            models.CheckConstraint(
                condition=Q(
                    package="",
                    sha256="",
                    signature="",
                    verification_code__isnull=True,
                    issued_at__isnull=True,
                    receipt_digest__isnull=True,
                    receipt_until__isnull=True,
                )
                | (
                    ~Q(package="")
                    & ~Q(signature="")
                    & Exact(Length("sha256"), HASH_LENGTH)
                    & Q(
                        verification_code__isnull=False,
                        issued_at__isnull=False,
                        receipt_digest__isnull=False,
                        receipt_until__isnull=False,
                    )
                ),
                name="school_transfer_package_whole",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["issued", "received"]) | Q(issued_at__isnull=False),
                name="school_transfer_issued_has_package",
            ),
            models.CheckConstraint(
                condition=Q(state="received", received_at__isnull=False)
                | (~Q(state="received") & Q(received_at__isnull=True))
                | Q(state__in=["completed", "resigned"]),
                name="school_transfer_received_at",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["completed", "resigned"], ended_on__isnull=False)
                | (~Q(state__in=["completed", "resigned"]) & Q(ended_on__isnull=True)),
                name="school_transfer_ended_on",
            ),
        ]

    def __str__(self) -> str:
        return f"school transfer {self.pk} ({self.state})"
