"""The child's electronic personal file on the kindergarten side (rules E1–E9): opened at enrolment, with
the contract, the stays in groups, documents by type and health notes; closed (archived) at departure.

Health notes and medical documents are sensitive (E4): only the kindergarten's head and nurse read them,
and every such read is a `SensitiveRead` row."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kezek.facilities.models import Group, Organisation
from kezek.placement.models import Enrollment
from kezek.staff.models import Role
from kezek.waitlist.models import Child

HASH_LENGTH = 64


class DepartureReason(models.TextChoices):
    """Why a child left (E8): the list the file is closed with, besides a written note."""

    SCHOOL = "school", _("went to school")
    MOVED = "moved", _("the family moved")
    OTHER_KINDERGARTEN = "other_kindergarten", _("moved to another kindergarten")
    HEALTH = "health", _("health reasons")
    PARENTS_REQUEST = "parents_request", _("at the parents' request")
    OTHER = "other", _("other reason")


class ChildFile(models.Model):
    """One child's file in one kindergarten, for one enrolment (E1). Closed files are read-only (E8)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("child file", "open")
        CLOSED = "closed", pgettext_lazy("child file", "closed (archived)")

    enrollment = models.OneToOneField(Enrollment, on_delete=models.PROTECT, related_name="child_file")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="files")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField(_("opened on"))
    opened_at = models.DateTimeField(_("opened at"))
    contract_number = models.CharField(_("contract number"), max_length=40, blank=True)
    contract_date = models.DateField(_("contract date"), null=True, blank=True)
    monthly_fee = models.DecimalField(
        _("monthly fee, tenge"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(
        _("reason of leaving"), max_length=20, choices=DepartureReason.choices, blank=True
    )
    close_note = models.TextField(_("note on leaving"), blank=True)

    class Meta:
        verbose_name = _("child's file")
        verbose_name_plural = _("children's files")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "status"], name="child_file_org_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "closed"]), name="child_file_status"),
            models.UniqueConstraint(fields=["child"], condition=Q(status="open"), name="child_file_one_open"),
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True, closed_at__isnull=True, close_reason="")
                | Q(status="closed", closed_on__isnull=False, closed_at__isnull=False) & ~Q(close_reason=""),
                name="child_file_closed_fields",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="child_file_dates",
            ),
            # E3: a contract is its number, date and fee together, or nothing yet.
            models.CheckConstraint(
                condition=Q(contract_number="", contract_date__isnull=True, monthly_fee__isnull=True)
                | (~Q(contract_number="") & Q(contract_date__isnull=False, monthly_fee__gte=0)),
                name="child_file_contract_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"file {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class GroupStay(models.Model):
    """A stay of the child in one group (E2): opened at enrolment and at every transfer."""

    file = models.ForeignKey(ChildFile, on_delete=models.PROTECT, related_name="stays")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("stay in a group")
        verbose_name_plural = _("stays in groups")
        ordering = ["since", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["file"], condition=Q(until__isnull=True), name="group_stay_one_open"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("since")), name="group_stay_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_id} in {self.group_id} from {self.since}"


class DocumentKind(models.TextChoices):
    MEDICAL_026 = "medical_026", _("medical record of the child (form 026/у)")
    MEDICAL_063 = "medical_063", _("vaccination card (form 063/у)")
    MEDICAL_CERTIFICATE = "medical_certificate", _("medical certificate")
    CERTIFICATE = "certificate", _("certificate (benefit, family status)")
    PARENT_REQUEST = "parent_request", _("written request of the parent")


# E4: the kinds that are health data.
MEDICAL_KINDS = frozenset(
    {DocumentKind.MEDICAL_026, DocumentKind.MEDICAL_063, DocumentKind.MEDICAL_CERTIFICATE}
)


class ChildDocument(models.Model):
    """A document of the file (E5): a PDF or JPEG with its SHA-256; a newer one of a kind may replace an
    older one, which stays in the file marked replaced."""

    file = models.ForeignKey(ChildFile, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("type"), max_length=20, choices=DocumentKind.choices)
    document = models.FileField(_("document"), upload_to="records/%Y/%m/")
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=HASH_LENGTH)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("document of a child's file")
        verbose_name_plural = _("documents of children's files")
        ordering = ["kind", "-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in DocumentKind]), name="child_document_kind"
            ),
            models.CheckConstraint(condition=~Q(document=""), name="child_document_file_required"),
            models.CheckConstraint(
                condition=Exact(Length("sha256"), HASH_LENGTH), name="child_document_hash_len"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("issued_on")),
                name="child_document_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of file {self.file_id}"

    @property
    def is_medical(self) -> bool:
        return self.kind in MEDICAL_KINDS


class HealthNote(models.Model):
    """The file's health notes (E4): allergies, diet, restrictions; edited by the nurse or the head."""

    file = models.OneToOneField(ChildFile, on_delete=models.PROTECT, related_name="health")
    allergies = models.TextField(_("allergies"), blank=True)
    diet = models.TextField(_("diet"), blank=True)
    restrictions = models.TextField(_("restrictions (physical activity, other)"), blank=True)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("health notes")
        verbose_name_plural = _("health notes")

    def __str__(self) -> str:
        return f"health notes of file {self.file_id}"


class SensitiveRead(models.Model):
    """One read of a file's health data (E4): who, when, what. Written by every read, shown to the head."""

    class What(models.TextChoices):
        HEALTH = "health", _("health notes and medical documents")
        DOCUMENT = "document", _("a medical document's file")

    file = models.ForeignKey(ChildFile, on_delete=models.PROTECT, related_name="sensitive_reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    what = models.CharField(_("what was read"), max_length=10, choices=What.choices)
    document = models.ForeignKey(
        ChildDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("read of health data")
        verbose_name_plural = _("reads of health data")
        ordering = ["-read_at", "-pk"]
        indexes = [models.Index(fields=["file", "read_at"], name="sensitive_read_file_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.what} of file {self.file_id}"
