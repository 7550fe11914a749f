"""Infection control (контроль патогенных контактов, rules E50–E59): infections as data, the nurse's cases,
the contacts derived from the attendance timesheet, and each group's quarantine.

Cases and contacts are health data (E56): only the kindergarten's nurse and head read them, and every
read is a `CaseRead` row."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kezek.facilities.models import Group, Organisation
from kezek.placement.models import Enrollment
from kezek.staff.models import Role, StaffProfile
from kezek.waitlist.models import Child

DAYS_MAX = 60  # E50: an incubation or a quarantine longer than this is a typing error


class Infection(models.Model):
    """E50: an infection the nurse may record, with the figures its quarantine is computed from and the
    document they come from (`source`; "unverified" when no source could be checked)."""

    class Counting(models.TextChoices):
        CALENDAR = "calendar", _("calendar days after the isolation of the last case")
        WORKING = "working", _("working days (KZ calendar) after the isolation of the last case")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=120)
    name_ru = models.CharField(_("name (Russian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    incubation_days = models.PositiveSmallIntegerField(_("longest incubation, days"))
    quarantine_days = models.PositiveSmallIntegerField(_("quarantine, days"))
    counting = models.CharField(_("how the quarantine is counted"), max_length=10, choices=Counting.choices)
    watch_kk = models.TextField(_("what parents watch for (Kazakh)"))
    watch_ru = models.TextField(_("what parents watch for (Russian)"))
    watch_en = models.TextField(_("what parents watch for (English)"))
    source = models.TextField(_("source of the figures"))
    is_active = models.BooleanField(_("offered to the nurse"), default=True)

    class Meta:
        verbose_name = _("infection")
        verbose_name_plural = _("infections")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(incubation_days__gte=1, incubation_days__lte=DAYS_MAX)
                & Q(quarantine_days__gte=1, quarantine_days__lte=DAYS_MAX),
                name="infection_days_range",
            ),
            models.CheckConstraint(
                condition=Q(counting__in=["calendar", "working"]), name="infection_counting"
            ),
            models.CheckConstraint(condition=~Q(source=""), name="infection_source_required"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (Kazakh, Russian, else English)."""
        return _in_language(self.name_kk, self.name_ru, self.name_en)

    @property
    def watch_for(self) -> str:
        return _in_language(self.watch_kk, self.watch_ru, self.watch_en)


def _in_language(kk: str, ru: str, en: str) -> str:
    language = (get_language() or "en")[:2]
    return {"kk": kk, "ru": ru}.get(language, en)


class Case(models.Model):
    """E51: a case the nurse recorded — a child (by the enrolment they had at the onset) or a staff member,
    the infection, the onset and isolation dates, and the contagious window derived from them (E52)."""

    class Subject(models.TextChoices):
        CHILD = "child", _("a child")
        STAFF = "staff", _("a staff member")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    infection = models.ForeignKey(Infection, on_delete=models.PROTECT, related_name="cases")
    subject = models.CharField(_("who fell ill"), max_length=5, choices=Subject.choices)
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    child = models.ForeignKey(Child, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    staff = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    onset_on = models.DateField(_("onset of the illness"))
    isolated_on = models.DateField(_("isolated on"))
    window_first = models.DateField(_("contagious window from"))
    window_last = models.DateField(_("contagious window until"))
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("case of an infection")
        verbose_name_plural = _("cases of infections")
        ordering = ["-isolated_on", "-pk"]
        indexes = [models.Index(fields=["organisation", "isolated_on"], name="infection_case_org_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(isolated_on__gte=F("onset_on")), name="infection_case_dates"),
            models.CheckConstraint(
                condition=Q(window_first__lte=F("onset_on"), window_last=F("isolated_on")),
                name="infection_case_window",
            ),
            models.CheckConstraint(
                condition=Q(
                    subject="child", enrollment__isnull=False, child__isnull=False, staff__isnull=True
                )
                | Q(subject="staff", enrollment__isnull=True, child__isnull=True, staff__isnull=False),
                name="infection_case_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.infection_id})"


class Contact(models.Model):
    """E52: a child present (or a teacher assigned) in a group on a day the case was there, within the
    contagious window: `first_day`–`last_day` are their first and last such days."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contacts")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    child = models.ForeignKey(Child, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    staff = models.ForeignKey(StaffProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    first_day = models.DateField(_("first day of contact"))
    last_day = models.DateField(_("last day of contact"))

    class Meta:
        verbose_name = _("contact of a case")
        verbose_name_plural = _("contacts of cases")
        ordering = ["case", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(enrollment__isnull=False, child__isnull=False, staff__isnull=True)
                | Q(enrollment__isnull=True, child__isnull=True, staff__isnull=False),
                name="infection_contact_person",
            ),
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="infection_contact_days"),
            models.UniqueConstraint(fields=["case", "child"], name="infection_contact_child_once"),
            models.UniqueConstraint(fields=["case", "staff"], name="infection_contact_staff_once"),
        ]

    def __str__(self) -> str:
        return f"contact {self.pk} of case {self.case_id}"


class Quarantine(models.Model):
    """E53: a group's quarantine for one infection, from the first case's isolation to the computed last
    day (extended by each new case, never shortened). `ended_at` is set by the sweep once it is over;
    reads go by the dates."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    infection = models.ForeignKey(Infection, on_delete=models.PROTECT, related_name="+")
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    cases = models.ManyToManyField(Case, related_name="quarantines", verbose_name=_("cases"))
    created_at = models.DateTimeField(_("created at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("quarantine")
        verbose_name_plural = _("quarantines")
        ordering = ["-first_day", "-pk"]
        indexes = [models.Index(fields=["group", "last_day"], name="quarantine_group_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="quarantine_dates"),
            models.UniqueConstraint(
                fields=["group", "infection"], condition=Q(ended_at__isnull=True), name="quarantine_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"quarantine of group {self.group_id} {self.first_day}–{self.last_day}"


class CaseRead(models.Model):
    """E56: one read of infection health data — a case, the kindergarten's list or the CSV report."""

    class What(models.TextChoices):
        CASE = "case", _("a case and its contacts")
        LIST = "list", _("the list of cases")
        REPORT = "report", _("the report for the sanitary service")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    what = models.CharField(_("what was read"), max_length=6, choices=What.choices)
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("read of infection data")
        verbose_name_plural = _("reads of infection data")
        ordering = ["-read_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.what}"
