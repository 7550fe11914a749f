"""Complaints, suggestions and corruption reports sent from the portal, and the staff's answers."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from kezek.facilities.models import Locality, Organisation

TEXT_MAX_LENGTH = 4000
NAME_MAX_LENGTH = 200
PHONE_RE = r"^\+77[0-9]{9}$"  # normalised by kezek.core.phones.normalize_phone (I4)
# The reference: 12 symbols of an alphabet without look-alikes (0/O, 1/I/L, 5/S, 8/B, 2/Z, U/V), in three
# groups of four — 27^12 ≈ 1.5·10^17 values (57 bits), so nobody finds another sender's by guessing.
REFERENCE_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
REFERENCE_GROUPS = 3
REFERENCE_GROUP_LENGTH = 4
REFERENCE_LENGTH = REFERENCE_GROUPS * (REFERENCE_GROUP_LENGTH + 1) - 1
REFERENCE_RE = rf"^[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}$"


def new_reference() -> str:
    """A fresh random reference such as "K7QX-M3PD-9TRW" (cryptographically random, see REFERENCE_RE)."""
    groups = (
        "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_GROUP_LENGTH))
        for _ in range(REFERENCE_GROUPS)
    )
    return "-".join(groups)


class Kind(models.TextChoices):
    ORGANISATION = "organisation", _("Complaint about a preschool organisation")
    DEPARTMENT = "department", _("Complaint about the education department")
    SUGGESTION = "suggestion", _("Suggestion or remark")
    CORRUPTION = "corruption", _("Report of corruption")


class Status(models.TextChoices):
    NEW = "new", _("received")
    IN_PROGRESS = "in_progress", _("being considered")
    ANSWERED = "answered", _("answered")
    CLOSED = "closed", _("closed")


class Feedback(models.Model):
    """One message to the education department. Contacts are required except for a corruption report,
    which may be anonymous; the public sees only the reference, the status and the answer."""

    reference = models.CharField(
        _("reference number"), max_length=REFERENCE_LENGTH, unique=True, default=new_reference, editable=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="+", verbose_name=_("locality")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("preschool organisation"),
    )
    text = models.TextField(_("text"), max_length=TEXT_MAX_LENGTH)
    contact_name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=12, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    answer = models.TextField(
        _("answer"),
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        help_text=_("Shown to anyone who has the reference number: no personal data."),
    )
    created_at = models.DateTimeField(_("received at"))
    updated_at = models.DateTimeField(_("updated at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )

    class Meta:
        verbose_name = _("complaint or suggestion")
        verbose_name_plural = _("complaints and suggestions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["locality", "status", "created_at"], name="feedback_inbox_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in Kind]), name="feedback_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="feedback_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.ORGANISATION) | Q(organisation__isnull=False),
                name="feedback_organisation_for_organisation_complaint",
            ),
            models.CheckConstraint(
                condition=Q(kind=Kind.CORRUPTION) | (~Q(contact_name="") & ~Q(phone="")),
                name="feedback_contacts_unless_corruption",
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=PHONE_RE), name="feedback_phone_format"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="feedback_text_not_empty"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), TEXT_MAX_LENGTH), name="feedback_text_length"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("answer"), TEXT_MAX_LENGTH), name="feedback_answer_length"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.ANSWERED) | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="feedback_answer_when_answered",
            ),
            models.CheckConstraint(
                condition=Q(reference__regex=REFERENCE_RE), name="feedback_reference_format"
            ),
        ]

    def __str__(self) -> str:
        return self.reference
