"""Regions, localities, education departments, preschool organisations and their groups."""

from django.db import models
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualNameMixin(models.Model):
    """Names entered by staff in Kazakh and Russian; `name` picks the active language."""

    name_ru = models.CharField(_("name (Russian)"), max_length=255)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=255)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_kk if (get_language() or "ru").startswith("kk") and self.name_kk else self.name_ru

    @property
    def name_lazy(self) -> str:
        """`name` in the language active when it is read: a message rendered in its own language names
        the place in that language, whatever the language of the request that wrote it."""
        return lazy(lambda: self.name, str)()


class Language(models.TextChoices):
    """Languages of instruction."""

    KAZAKH = "kk", _("Kazakh")
    RUSSIAN = "ru", _("Russian")
    ENGLISH = "en", _("English")
    UZBEK = "uz", _("Uzbek")
    UYGHUR = "ug", _("Uyghur")


class Region(BilingualNameMixin):
    code = models.SlugField(_("code"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name_ru"]


class Locality(BilingualNameMixin):
    """A city or district: the unit that owns a queue (one per locality)."""

    class Kind(models.TextChoices):
        CITY = "city", _("city")
        DISTRICT = "district", _("district")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="localities")
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CITY)

    class Meta:
        verbose_name = _("locality")
        verbose_name_plural = _("localities")
        ordering = ["name_ru"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["city", "district"]), name="locality_kind_valid"),
        ]


class EducationDepartment(BilingualNameMixin):
    locality = models.OneToOneField(Locality, on_delete=models.PROTECT, related_name="department")
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("education department")
        verbose_name_plural = _("education departments")


class Organisation(BilingualNameMixin):
    """A preschool organisation with the passport shown to parents."""

    class Kind(models.TextChoices):
        KINDERGARTEN = "kindergarten", _("kindergarten")
        MINI_CENTRE = "mini_centre", _("mini-centre")
        SANATORIUM = "sanatorium", _("sanatorium kindergarten")

    class Ownership(models.TextChoices):
        STATE = "state", _("state")
        PRIVATE = "private", _("private")

    class WorkWeek(models.TextChoices):
        FIVE_DAY = "five_day", _("five-day week")
        SIX_DAY = "six_day", _("six-day week")
        ROUND_THE_CLOCK = "round_the_clock", _("round the clock")

    bin = models.CharField(_("BIN"), max_length=12, unique=True)
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="organisations")
    department = models.ForeignKey(
        EducationDepartment, on_delete=models.PROTECT, related_name="organisations"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.KINDERGARTEN)
    ownership = models.CharField(_("ownership"), max_length=10, choices=Ownership.choices)
    work_week = models.CharField(
        _("working week"), max_length=20, choices=WorkWeek.choices, default=WorkWeek.FIVE_DAY
    )
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    duty_group = models.CharField(_("duty group"), max_length=255, blank=True)
    extra_equipment = models.TextField(_("extra equipment"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_ru", "id"]
        indexes = [models.Index(fields=["locality", "is_active", "name_ru"], name="org_locality_name_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(bin__regex=r"^[0-9]{12}$"), name="org_bin_12_digits"),
            models.CheckConstraint(
                condition=Q(kind__in=["kindergarten", "mini_centre", "sanatorium"]), name="org_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(ownership__in=["state", "private"]), name="org_ownership_valid"
            ),
            models.CheckConstraint(
                condition=Q(work_week__in=["five_day", "six_day", "round_the_clock"]),
                name="org_work_week_valid",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")) | Q(work_week="round_the_clock"),
                name="org_opens_before_closes",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="org_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="org_longitude_range",
            ),
        ]


class BaseFee(models.Model):
    """Base monthly cost for an age group of an organisation (passport: "Базовая стоимость")."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="base_fees")
    age_from = models.PositiveSmallIntegerField(_("age from (years)"))
    age_to = models.PositiveSmallIntegerField(_("age to (years, exclusive)"))
    monthly_fee = models.PositiveIntegerField(_("monthly fee, ₸"))

    class Meta:
        verbose_name = _("base monthly fee")
        verbose_name_plural = _("base monthly fees")
        ordering = ["age_from"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "age_from"], name="fee_one_per_age"),
            models.CheckConstraint(condition=Q(age_from__lt=models.F("age_to")), name="fee_age_range_valid"),
            models.CheckConstraint(condition=Q(age_to__lte=8), name="fee_age_to_preschool"),
        ]

    def __str__(self) -> str:
        return f"{self.age_from}–{self.age_to}: {self.monthly_fee} ₸"


class Group(models.Model):
    """A group of children of an age range [age_from, age_to) in years, in one language."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("general")
        CORRECTIONAL = "correctional", _("correctional")
        SANATORIUM = "sanatorium", _("sanatorium")

    class StayMode(models.TextChoices):
        """How long the children stay a day: it selects the per-capita normative (E20)."""

        FULL_DAY = "full_day", _("full day")
        HALF_DAY = "half_day", _("half day")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(_("name"), max_length=120)
    age_from = models.PositiveSmallIntegerField(_("age from (years)"))
    age_to = models.PositiveSmallIntegerField(_("age to (years, exclusive)"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    stay_mode = models.CharField(
        _("stay mode"), max_length=10, choices=StayMode.choices, default=StayMode.FULL_DAY
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    academic_year = models.PositiveSmallIntegerField(
        _("academic year"), help_text=_("The year the academic year starts, e.g. 2026 for 2026/27.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_reason = models.TextField(_("reason of closing"), blank=True)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["organisation_id", "age_from", "name"]
        indexes = [models.Index(fields=["age_from", "age_to", "language"], name="group_age_lang_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name", "academic_year"], name="group_name_unique_per_year"
            ),
            models.CheckConstraint(
                condition=Q(age_from__lt=models.F("age_to")), name="group_age_range_valid"
            ),
            models.CheckConstraint(condition=Q(age_to__lte=8), name="group_age_to_preschool"),
            models.CheckConstraint(condition=Q(capacity__lte=60), name="group_capacity_sane"),
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _label in Language.choices]),
                name="group_language_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["general", "correctional", "sanatorium"]), name="group_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(stay_mode__in=["full_day", "half_day"]), name="group_stay_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(academic_year__gte=2000, academic_year__lte=2100), name="group_academic_year_sane"
            ),
            # A closure is a state with its date and written reason, never a deletion; a closed group is
            # inactive.
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, closed_reason="")
                | Q(closed_at__isnull=False, is_active=False) & ~Q(closed_reason=""),
                name="group_closed_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.age_from}–{self.age_to})"
