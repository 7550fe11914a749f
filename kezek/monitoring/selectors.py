"""Reads of development monitoring (E40–E49): the template, a point's dates, the teacher's group screen,
a card, the progress of a child and of a group, the parent's cards and the department's distributions.
Staff reads are narrowed by the caller's `Scope` (another kindergarten's group is a 404)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kezek.attendance.selectors import enrolled_on_day, teacher_groups
from kezek.core import clock
from kezek.core.errors import NotFound, PermissionDenied, ValidationFailed
from kezek.facilities.models import Group
from kezek.placement.models import Enrollment
from kezek.records.selectors import own_child_ids
from kezek.staff.models import Role, StaffProfile
from kezek.staff.selectors import Scope
from kezek.waitlist.models import Applicant

from .models import (
    PERIODS,
    Area,
    Card,
    CardMark,
    CardRead,
    Indicator,
    Level,
    Period,
    Point,
    PointDates,
    Template,
)

# E42: the points' dates when the locality has set none — (month, first day, last day); September is of
# the school year's first calendar year, January and May of the second.
DEFAULT_DATES = {Period.START: (9, 1, 30), Period.MIDDLE: (1, 10, 31), Period.END: (5, 1, 25)}
YOUNGEST_BAND, OLDEST_BAND = 1, 5


def period_checked(period: str) -> str:
    if period not in PERIODS:
        raise ValidationFailed(_("Choose the start, middle or end of the year."), code="period_invalid")
    return period


def template_current(on: dt.date | None = None) -> Template:
    """E41: the newest template version in force on `on` (a new point opens with it)."""
    on = on or clock.today()
    found = Template.objects.filter(valid_from__lte=on).order_by("-version").first()
    return found or Template.objects.order_by("version").get()


def band_of(group: Group) -> int:
    """E40: the age band of a group's indicators: its lower age, 1 (early age) to 5 (pre-school class)."""
    return min(max(group.age_from, YOUNGEST_BAND), OLDEST_BAND)


def point_window(*, locality_id: int, school_year: int, period: str) -> tuple[dt.date, dt.date]:
    """E42: the first and last day of a point in a locality: its own dates, else the defaults."""
    row = PointDates.objects.filter(locality_id=locality_id, school_year=school_year, period=period).first()
    if row is not None:
        return row.first_day, row.last_day
    month, first, last = DEFAULT_DATES[Period(period)]
    year = school_year if month >= 9 else school_year + 1
    return dt.date(year, month, first), dt.date(year, month, last)


def group_window(group: Group, period: str) -> tuple[dt.date, dt.date]:
    return point_window(
        locality_id=group.organisation.locality_id, school_year=group.academic_year, period=period
    )


# --- who sees which groups (E43) --------------------------------------------------------------------------


def groups_of(scope: Scope) -> QuerySet[Group]:
    """The groups a staff user works with: a teacher's assigned ones (E43), else the scope's."""
    if scope.role == Role.TEACHER:
        profile = StaffProfile.objects.get(user_id=scope.user_id)
        return teacher_groups(profile_id=profile.pk).select_related("organisation__locality")
    rows = Group.objects.select_related("organisation__locality").order_by("name")
    return scope.filter(rows, locality="organisation__locality", organisation="organisation")


def group_of(scope: Scope, group_id: int) -> Group:
    """One group the user may open: another kindergarten's is a 404; a teacher opens only the groups
    assigned to them (E43: another group's cards are a 403)."""
    rows = Group.objects.select_related("organisation__locality")
    group = scope.get(rows, locality="organisation__locality", organisation="organisation", pk=group_id)
    if scope.role == Role.TEACHER and not groups_of(scope).filter(pk=group.pk).exists():
        raise PermissionDenied(_("You do not keep the monitoring of this group."), code="not_assigned")
    return group


# --- the template of a point ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaBlock:
    area: Area
    indicators: list[Indicator]

    @property
    def name(self) -> str:
        return localized(self.area, "name")


def localized(row: Any, name: str) -> str:
    """A bilingual field in the reader's language (Kazakh, else Russian)."""
    return str(getattr(row, f"{name}_kk" if get_language() == "kk" else f"{name}_ru"))


def template_blocks(template: Template, band: int) -> list[AreaBlock]:
    indicators: dict[int, list[Indicator]] = defaultdict(list)
    for row in Indicator.objects.filter(area__template=template, age=band).order_by("position", "pk"):
        indicators[row.area_id].append(row)
    return [
        AreaBlock(a, indicators[a.pk]) for a in Area.objects.filter(template=template).order_by("position")
    ]


def template_levels(template: Template) -> list[Level]:
    return list(Level.objects.filter(template=template).order_by("-score"))


# --- the teacher's group screen (E43) -----------------------------------------------------------------


@dataclass
class Sheet:
    group: Group
    period: str
    window: tuple[dt.date, dt.date]
    point: Point | None
    template: Template
    band: int
    blocks: list[AreaBlock]
    levels: list[Level]
    rows: list[tuple[Enrollment, Card | None]]
    today: dt.date = field(default_factory=clock.today)

    @property
    def started(self) -> bool:
        return self.today >= self.window[0]

    @property
    def locked(self) -> bool:
        return self.point is not None and self.point.is_locked

    @property
    def editable(self) -> bool:
        return self.started and not self.locked

    @property
    def filled(self) -> int:
        return sum(1 for _e, card in self.rows if card is not None)

    def period_label(self) -> str:
        return str(Period(self.period).label)


def point_of(group: Group, period: str) -> Point | None:
    return Point.objects.filter(group=group, period=period).select_related("template").first()


def sheet(group: Group, period: str, *, today: dt.date | None = None) -> Sheet:
    """The group's point: the children enrolled today (and any child with a card at it), each with their
    card; the template of the point (or the one a new point would take, E41). Constant queries."""
    today = today or clock.today()
    point = point_of(group, period)
    template = point.template if point is not None else template_current(today)
    cards = {c.enrollment_id: c for c in Card.objects.filter(point=point)} if point is not None else {}
    enrollments = list(enrolled_on_day(group_id=group.pk, day=today))
    known = {e.pk for e in enrollments}
    if set(cards) - known:
        enrollments += list(Enrollment.objects.filter(pk__in=set(cards) - known).select_related("child"))
    band = band_of(group)
    return Sheet(
        group=group,
        period=period,
        window=group_window(group, period),
        point=point,
        template=template,
        band=band,
        blocks=template_blocks(template, band),
        levels=template_levels(template),
        rows=[(e, cards.get(e.pk)) for e in enrollments],
        today=today,
    )


def card_levels(card: Card) -> dict[int, Level]:
    """{indicator id: level} of a card."""
    return {m.indicator_id: m.level for m in CardMark.objects.filter(card=card).select_related("level")}


# --- progress (E48) ---------------------------------------------------------------------------------------


def child_progress(enrollment_id: int, *, locked_only: bool) -> dict[str, dict[str, float]]:
    """{period: {area code: the average score of its indicators}} of one enrolment's cards (start → end)."""
    marks = CardMark.objects.filter(card__enrollment_id=enrollment_id)
    if locked_only:
        marks = marks.filter(card__point__state=Point.State.LOCKED)
    sums: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for period, area, score in marks.values_list(
        "card__point__period", "indicator__area__code", "level__score"
    ):
        sums[period][area].append(score)
    return {
        period: {area: sum(scores) / len(scores) for area, scores in areas.items()}
        for period, areas in sums.items()
    }


def development_summary(*, child_id: int) -> dict[str, Any]:
    """E62: the child's development for the school package — for every locked point, oldest first, each
    area's levels with the number of indicators at each (codes and kk/ru names); open points are not the
    kindergarten's word yet and are left out."""
    rows = (
        CardMark.objects.filter(card__child_id=child_id, card__point__state=Point.State.LOCKED)
        .values(
            "card__point__group__academic_year", "card__point__period", "indicator__area__position",
            "indicator__area__code", "indicator__area__name_kk", "indicator__area__name_ru",
            "level__score", "level__code", "level__name_kk", "level__name_ru",
        )
        .annotate(marks=Count("pk"))
        .order_by()
    )  # fmt: skip
    order = {period: index for index, period in enumerate(PERIODS)}
    points: dict[tuple[int, int, str], dict[tuple[int, str], dict[str, Any]]] = defaultdict(dict)
    for row in sorted(rows, key=lambda r: -r["level__score"]):
        year, period = row["card__point__group__academic_year"], row["card__point__period"]
        point = (year, order[period], period)
        area = points[point].setdefault(
            (row["indicator__area__position"], row["indicator__area__code"]),
            {
                "code": row["indicator__area__code"],
                "name_kk": row["indicator__area__name_kk"],
                "name_ru": row["indicator__area__name_ru"],
                "levels": [],
            },
        )
        area["levels"].append(
            {
                "code": row["level__code"],
                "name_kk": row["level__name_kk"],
                "name_ru": row["level__name_ru"],
                "marks": row["marks"],
            }
        )
    return {
        "points": [
            {"school_year": year, "period": period, "areas": [areas[key] for key in sorted(areas)]}
            for (year, _index, period), areas in sorted(points.items())
        ]
    }


def group_distribution(group: Group) -> dict[str, dict[str, dict[str, int]]]:
    """{period: {area code: {level code: marks}}} of the group's points (E48)."""
    rows = (
        CardMark.objects.filter(card__point__group=group)
        .values("card__point__period", "indicator__area__code", "level__code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        found[row["card__point__period"]][row["indicator__area__code"]][row["level__code"]] = row["n"]
    return found


# --- the parent's cards (E45) -----------------------------------------------------------------------------


def cards_of_parent(applicant: Applicant) -> QuerySet[Card]:
    """E45: the cards of the parent's own children at locked points, newest first."""
    return (
        Card.objects.filter(child_id__in=own_child_ids(applicant), point__state=Point.State.LOCKED)
        .select_related("child", "point__group__organisation", "point__template")
        .order_by("-point__locked_at", "-pk")
    )


def card_of_parent(applicant: Applicant, pk: int) -> Card:
    found = cards_of_parent(applicant).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Not found."))
    return found


def card_reads(card: Card) -> list[CardRead]:
    return list(CardRead.objects.filter(card=card).order_by("read_at"))


# --- the department's report (E49) ------------------------------------------------------------------------


def distribution_rows(scope: Scope, *, school_year: int, period: str) -> list[dict[str, Any]]:
    """E49: marks by level per area, per kindergarten, of the locked points of a school year's point in
    the scope (one aggregate query), ordered by locality and kindergarten."""
    marks = scope.filter(
        CardMark.objects.filter(
            card__point__state=Point.State.LOCKED,
            card__point__period=period,
            card__point__group__academic_year=school_year,
        ),
        locality="card__point__group__organisation__locality",
        organisation="card__point__group__organisation",
    )
    return list(
        marks.values(
            "card__point__group__organisation__locality__name_ru",
            "card__point__group__organisation__locality__name_kk",
            "card__point__group__organisation__name_ru",
            "card__point__group__organisation__name_kk",
            "card__point__group__organisation_id",
            "indicator__area__position",
            "indicator__area__name_ru",
            "indicator__area__name_kk",
        )
        .annotate(
            high=Count("pk", filter=Q(level__score=3)),
            medium=Count("pk", filter=Q(level__score=2)),
            low=Count("pk", filter=Q(level__score=1)),
            children=Count("card__enrollment", distinct=True),
        )
        .order_by(
            "card__point__group__organisation__locality__name_ru",
            "card__point__group__organisation__name_ru",
            "card__point__group__organisation_id",
            "indicator__area__position",
        )
    )


@dataclass(frozen=True)
class CardView:
    """A card as read: each area's indicators with their level (E45)."""

    card: Card
    blocks: list[AreaBlock]
    levels: dict[int, Level]

    def rows(self) -> list[tuple[AreaBlock, list[tuple[Indicator, Level | None]]]]:
        return [(b, [(i, self.levels.get(i.pk)) for i in b.indicators]) for b in self.blocks]


def card_view(card: Card) -> CardView:
    point = card.point
    return CardView(
        card=card, blocks=template_blocks(point.template, band_of(point.group)), levels=card_levels(card)
    )
