"""Development monitoring (умения и навыки, rules E40–E49): the state standard's template as versioned data
(areas, indicators per age band, levels), the three points of a school year with their dates per locality,
each group's point, the child's individual development card and the parent's first reading of it.

A filled card is never rewritten by a new template version (E41): a point keeps the version it was opened
with. A locked point's cards and marks are frozen in the database (E44, migration 0003)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kezek.facilities.models import Group, Locality
from kezek.placement.models import Enrollment
from kezek.waitlist.models import Applicant, Child

SHA256_RE = r"^[0-9a-f]{64}$"


class Period(models.TextChoices):
    """The three monitoring points of a school year (E42)."""

    START = "start", pgettext_lazy("monitoring point", "start of the year")
    MIDDLE = "middle", pgettext_lazy("monitoring point", "middle of the year")
    END = "end", pgettext_lazy("monitoring point", "end of the year")


PERIODS = [value for value, _label in Period.choices]


class Template(models.Model):
    """One version of the monitoring template (E40, E41): shipped as data, never edited once used."""

    version = models.PositiveSmallIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    source = models.TextField(_("source"))
    valid_from = models.DateField(_("valid from"))

    class Meta:
        verbose_name = _("monitoring template")
        verbose_name_plural = _("monitoring templates")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="monitoring_template_version")
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


class Area(models.Model):
    """An educational area of the standard (E40): health, communication, cognition, creativity, social."""

    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="areas")
    code = models.SlugField(_("code"), max_length=20)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=100)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("educational area")
        verbose_name_plural = _("educational areas")
        ordering = ["template", "position"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="monitoring_area_code")]

    def __str__(self) -> str:
        return self.code


class Level(models.Model):
    """A level of the template (E40): high, medium, low; `score` orders them (3, 2, 1)."""

    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="levels")
    code = models.SlugField(_("code"), max_length=10)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=40)
    name_ru = models.CharField(_("name (Russian)"), max_length=40)
    score = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        ordering = ["template", "-score"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="monitoring_level_code"),
            models.UniqueConstraint(fields=["template", "score"], name="monitoring_level_score"),
            models.CheckConstraint(condition=Q(score__gte=1), name="monitoring_level_score_positive"),
        ]

    def __str__(self) -> str:
        return self.code


class Indicator(models.Model):
    """What the teacher observes in one area for one age band (E40): `age` N is the group of children
    from N to N + 1 years (1: early age … 5: pre-school class)."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="indicators")
    code = models.SlugField(_("code"), max_length=40)
    age = models.PositiveSmallIntegerField(_("age band (years)"))
    text_kk = models.CharField(_("text (Kazakh)"), max_length=300)
    text_ru = models.CharField(_("text (Russian)"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["area__position", "age", "position"]
        constraints = [
            models.UniqueConstraint(fields=["area", "code"], name="monitoring_indicator_code"),
            models.CheckConstraint(condition=Q(age__gte=1, age__lte=5), name="monitoring_indicator_age"),
        ]

    def __str__(self) -> str:
        return self.code


class PointDates(models.Model):
    """A locality's dates of one monitoring point of a school year (E42); defaults apply without a row."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="+")
    school_year = models.PositiveSmallIntegerField(_("school year"), help_text=_("e.g. 2026 for 2026/27"))
    period = models.CharField(_("point"), max_length=6, choices=Period.choices)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("dates of a monitoring point")
        verbose_name_plural = _("dates of monitoring points")
        constraints = [
            models.UniqueConstraint(
                fields=["locality", "school_year", "period"], name="monitoring_dates_one"
            ),
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="monitoring_dates_order"),
            models.CheckConstraint(condition=Q(period__in=PERIODS), name="monitoring_dates_period"),
        ]

    def __str__(self) -> str:
        return f"{self.locality_id} {self.school_year} {self.period}"


class Point(models.Model):
    """A group's monitoring point (E42–E44): open while the teacher fills the cards, locked by the head."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("monitoring point", "open")
        LOCKED = "locked", pgettext_lazy("monitoring point", "locked")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("point"), max_length=6, choices=Period.choices)
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        pgettext_lazy("of a monitoring point", "state"), max_length=6, choices=State.choices, default="open"
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cards_sha256 = models.CharField(_("sha256 of the cards"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("monitoring point")
        verbose_name_plural = _("monitoring points")
        constraints = [
            models.UniqueConstraint(fields=["group", "period"], name="monitoring_point_one"),
            models.CheckConstraint(condition=Q(period__in=PERIODS), name="monitoring_point_period"),
            models.CheckConstraint(
                condition=Q(state="open", locked_at__isnull=True, cards_sha256="")
                | Q(state="locked", locked_at__isnull=False, cards_sha256__regex=SHA256_RE),
                name="monitoring_point_locked_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.period} ({self.state})"

    @property
    def is_locked(self) -> bool:
        return self.state == self.State.LOCKED


class Card(models.Model):
    """A child's individual development card at one point (E43): a level for every indicator of the
    group's age band, its canonical hash (`sha256`, salted with a fresh random `salt` at each save so the
    public hash never reveals the levels, E46) on the ledger."""

    point = models.ForeignKey(Point, on_delete=models.PROTECT, related_name="cards")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    salt = models.CharField(_("salt of the hash"), max_length=32)
    sha256 = models.CharField(_("sha256 of the card"), max_length=64)
    filled_at = models.DateTimeField(_("filled at"))
    filled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("development card")
        verbose_name_plural = _("development cards")
        constraints = [
            models.UniqueConstraint(fields=["point", "enrollment"], name="monitoring_card_one"),
            models.CheckConstraint(condition=Q(sha256__regex=SHA256_RE), name="monitoring_card_sha256"),
            models.CheckConstraint(condition=Q(salt__regex=r"^[0-9a-f]{32}$"), name="monitoring_card_salt"),
        ]

    def __str__(self) -> str:
        return f"card {self.pk} of point {self.point_id}"


class CardMark(models.Model):
    """One indicator's level on a card (E43)."""

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="marks")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("level of an indicator")
        verbose_name_plural = _("levels of indicators")
        constraints = [models.UniqueConstraint(fields=["card", "indicator"], name="monitoring_mark_one")]

    def __str__(self) -> str:
        return f"{self.card_id}: {self.indicator_id}={self.level_id}"


class CardRead(models.Model):
    """The parent's first view of a card (E45): the read receipt the kindergarten sees."""

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="reads")
    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("read receipt of a card")
        verbose_name_plural = _("read receipts of cards")
        constraints = [models.UniqueConstraint(fields=["card", "applicant"], name="monitoring_read_once")]

    def __str__(self) -> str:
        return f"{self.applicant_id} read {self.card_id}"
