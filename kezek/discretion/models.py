"""The written bases of staff discretion (D1), for staff and auditors only: the ledger event of each act
carries the basis's hash and document number, this table the full text the hash covers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from kezek.ledger.hashing import HASH_LENGTH
from kezek.ledger.models import TEXT_LIMITS

from .basis import NUMBER_MAX, Basis


class DiscretionBasis(models.Model):
    """The basis of one discretionary act: the ledger event `event_kind` about (`subject_type`,
    `subject_id`) carries `sha256` (of `Basis.canonical()`) and the document number."""

    event_kind = models.CharField(_("act"), max_length=TEXT_LIMITS["kind"])
    subject_type = models.CharField(_("subject type"), max_length=TEXT_LIMITS["subject_type"])
    subject_id = models.CharField(_("subject id"), max_length=TEXT_LIMITS["subject_id"])
    document_number = models.CharField(_("document number"), max_length=NUMBER_MAX)
    document_date = models.DateField(_("document date"))
    reason = models.TextField(_("reason"))
    sha256 = models.CharField(_("SHA-256 of the basis"), max_length=HASH_LENGTH)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )

    class Meta:
        db_table = "discretion_basis"
        verbose_name = _("basis of a staff decision")
        verbose_name_plural = _("bases of staff decisions")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="discretion_basis_subject_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("sha256"), HASH_LENGTH), name="discretion_basis_hash_len"
            ),
            models.CheckConstraint(condition=~Q(document_number=""), name="discretion_basis_number_given"),
            models.CheckConstraint(condition=~Q(reason=""), name="discretion_basis_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.event_kind} {self.subject_type}:{self.subject_id} No. {self.document_number}"

    @property
    def basis(self) -> Basis:
        return Basis(
            document_number=self.document_number, document_date=self.document_date, reason=self.reason
        )
