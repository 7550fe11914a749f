"""Reads of distribution: seat accounting, eligibility (P3), queue order across cohorts (P2), the places a
parent may take now, the free-places read model of the passport, directions as they are now."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import Conflict, ValidationFailed
from kezek.facilities.models import Group, Locality
from kezek.waitlist import ordering
from kezek.waitlist.models import Application, BenefitClaim, Tier
from kezek.waitlist.selectors import priority_ratio

from .models import (
    LIVE_DIRECTION_STATES,
    AgeReference,
    Direction,
    Enrollment,
    Place,
    PlacementSettings,
    Policy,
    PriorityHolder,
)

CORRECTIONAL_CATEGORY = "special_needs"  # P3: a correctional group needs a confirmed conclusion


def placement_settings(*, locality: Locality) -> PlacementSettings:
    """The locality's settings, or the defaults (unsaved) when it has none."""
    return PlacementSettings.objects.filter(locality=locality).first() or PlacementSettings(locality=locality)


def _count(model: type, **filters: object) -> Coalesce:
    rows = model.objects.filter(group=OuterRef("pk"), **filters).order_by().values("group")  # type: ignore[attr-defined]
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), Value(0))


def unaccounted_seats(*, group: Group) -> int:
    """Capacity − enrolled − live directions − open places, in one statement (one snapshot) (P1)."""
    row = (
        Group.objects.filter(pk=group.pk)
        .annotate(
            enrolled=_count(Enrollment, left_on__isnull=True),
            live=_count(Direction, state__in=LIVE_DIRECTION_STATES),
            open=_count(Place, status=Place.Status.OPEN),
        )
        .values_list("capacity", "enrolled", "live", "open")
        .get()
    )
    capacity, enrolled, live, open_places = row
    return int(capacity) - int(enrolled) - int(live) - int(open_places)


def reference_date(*, group: Group, on: dt.date, settings: PlacementSettings) -> dt.date:
    """The day the child's age is counted on (P3, setting `age_reference`)."""
    if settings.age_reference == AgeReference.SEPTEMBER_1:
        return dt.date(group.academic_year, 9, 1)
    return on


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _birth_range(group: Group, ref: dt.date) -> tuple[dt.date, dt.date]:
    """Birth dates (exclusive, inclusive] of children aged [age_from, age_to) full years on `ref`."""
    return years_before(ref, group.age_to), years_before(ref, group.age_from)


def _eligible(group: Group, on: dt.date) -> QuerySet[Application]:
    settings = placement_settings(locality=group.organisation.locality)
    after, until = _birth_range(group, reference_date(group=group, on=on, settings=settings))
    eligible = Application.objects.filter(
        locality_id=group.organisation.locality_id,
        status=Application.Status.QUEUED,
        child__birth_date__gt=after,
        child__birth_date__lte=until,
    )
    if group.kind == Group.Kind.CORRECTIONAL:
        eligible = eligible.filter(
            benefit_claims__category__code=CORRECTIONAL_CATEGORY,
            benefit_claims__status=BenefitClaim.Status.CONFIRMED,
        )
    return eligible


def check_eligible(*, application: Application, group: Group, on: dt.date) -> None:
    """P3: the child's age fits the group and a correctional group's condition holds; else 422."""
    if not _eligible(group, on).filter(pk=application.pk).exists():
        status = Application.objects.filter(pk=application.pk).values_list("status", flat=True).first()
        if status != Application.Status.QUEUED:
            raise Conflict(_("This application is not in the queue."), code="application_not_queued")
        raise ValidationFailed(
            _("The child does not fit this group's age range or kind."), code="not_eligible"
        )


def eligible_in_order(*, group: Group, limit: int, on: dt.date) -> list[Application]:
    """The first `limit` eligible applications in queue order (Q4) across the cohorts the group admits.

    Across cohorts the order is the cohort order with registration time in place of the ordinal: each
    tier's first `limit` by (registered_at, number), merged by `ordering.interleave`.
    """
    eligible = _eligible(group, on).select_related("applicant")

    def head(tier: str) -> list[Application]:
        return list(eligible.filter(tier=tier).order_by("registered_at", "pk")[:limit])

    key = {tier: head(tier) for tier in ordering.TIERS}
    merged = ordering.interleave(
        extraordinary=key[Tier.EXTRAORDINARY],
        first_priority=[((a.registered_at, a.pk), a) for a in key[Tier.FIRST_PRIORITY]],
        general=[((a.registered_at, a.pk), a) for a in key[Tier.GENERAL]],
        ratio=priority_ratio(locality_id=group.organisation.locality_id),
    )
    return merged[:limit]


SIBLING_BIRTH_DAYS = 31  # P6: twins and siblings born less than a month apart
SIBLING_REGISTRATION = dt.timedelta(days=1)  # … registered together


def sibling_batch(*, application: Application) -> list[Application]:
    """The application and its queued siblings registered together (P6), by number."""
    child = application.child
    siblings = Application.objects.filter(
        applicant_id=application.applicant_id,
        locality_id=application.locality_id,
        status=Application.Status.QUEUED,
        child__birth_date__gt=child.birth_date - dt.timedelta(days=SIBLING_BIRTH_DAYS),
        child__birth_date__lt=child.birth_date + dt.timedelta(days=SIBLING_BIRTH_DAYS),
        registered_at__gt=application.registered_at - SIBLING_REGISTRATION,
        registered_at__lt=application.registered_at + SIBLING_REGISTRATION,
    ).exclude(pk=application.pk)
    return [application, *siblings.order_by("pk")]


def takeable_places(*, application: Application, group: Group, now: dt.datetime) -> QuerySet[Place]:
    """Open places of `group` this application may take now: its priority ones, and — policy `window` —
    every place whose publication's window has ended (P2). Under policy `offer` only holders ever may."""
    mine = PriorityHolder.objects.filter(application=application, until__gt=now)
    general = Q(publication__priority_until__lte=now, publication__policy=Policy.WINDOW)
    allowed = general | Q(publication_id__in=mine.values("publication_id"))
    return Place.objects.filter(group=group, status=Place.Status.OPEN).filter(allowed).order_by("pk")


def direction_state(direction: Direction, *, now: dt.datetime | None = None) -> str:
    """The state as it is now: a live direction past its deadline is expired even before the sweep."""
    now = now or clock.now()
    if direction.state in LIVE_DIRECTION_STATES and direction.valid_until <= now:
        return Direction.State.EXPIRED
    return str(direction.state)


@dataclass(frozen=True)
class AgeRangeFree:
    """The passport's free places of one age range (seed: general access with its languages, priority)."""

    age_from: int
    age_to: int
    general: int
    general_by_language: dict[str, int]
    priority: int


def free_places(*, organisation_id: int, now: dt.datetime | None = None) -> list[AgeRangeFree]:
    """Open places per age range of an organisation: in priority access while their publication's window
    runs, in general access after it — computed from `priority_until`, so it is right without a sweep."""
    now = now or clock.now()
    rows = Place.objects.filter(group__organisation_id=organisation_id, status=Place.Status.OPEN).values_list(
        "group__age_from", "group__age_to", "group__language", "publication__priority_until"
    )
    ranges: dict[tuple[int, int], AgeRangeFree] = {}
    for age_from, age_to, language, until in rows:
        entry = ranges.setdefault(
            (age_from, age_to), AgeRangeFree(age_from, age_to, general=0, general_by_language={}, priority=0)
        )
        if until > now:
            ranges[age_from, age_to] = AgeRangeFree(
                age_from, age_to, entry.general, entry.general_by_language, entry.priority + 1
            )
        else:
            by_language = {
                **entry.general_by_language,
                language: entry.general_by_language.get(language, 0) + 1,
            }
            ranges[age_from, age_to] = AgeRangeFree(
                age_from, age_to, entry.general + 1, by_language, entry.priority
            )
    return [ranges[key] for key in sorted(ranges)]


@dataclass(frozen=True)
class GroupFree:
    """A group with open places, as the search lists it."""

    group_id: int
    organisation_id: int
    organisation: str
    age_from: int
    age_to: int
    language: str
    kind: str
    general: int
    priority: int


def free_places_search(
    *,
    locality: Locality,
    birth_date: dt.date | None = None,
    language: str | None = None,
    organisation_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[GroupFree]:
    """Groups of a locality with open places, for a child born on `birth_date` (its age on today's
    reference date must fit the group, P3), by language and organisation; general and priority counts."""
    now = now or clock.now()
    places = Place.objects.filter(
        status=Place.Status.OPEN, group__organisation__locality=locality, group__is_active=True
    )
    if language:
        places = places.filter(group__language=language)
    if organisation_id:
        places = places.filter(group__organisation_id=organisation_id)
    rows = places.values_list(
        "group_id",
        "group__organisation_id",
        "group__organisation__name_ru",
        "group__organisation__name_kk",
        "group__age_from",
        "group__age_to",
        "group__language",
        "group__kind",
        "group__academic_year",
        "publication__priority_until",
    )
    settings = placement_settings(locality=locality)
    kazakh = (translation.get_language() or "ru").startswith("kk")
    found: dict[int, GroupFree] = {}
    for gid, oid, name_ru, name_kk, age_from, age_to, lang, kind, year, until in rows:
        if birth_date is not None:
            probe = Group(age_from=age_from, age_to=age_to, academic_year=year)
            after, upto = _birth_range(probe, reference_date(group=probe, on=now.date(), settings=settings))
            if not after < birth_date <= upto:
                continue
        entry = found.get(gid) or GroupFree(
            gid, oid, (name_kk if kazakh and name_kk else name_ru), age_from, age_to, lang, kind, 0, 0
        )
        priority = until > now
        found[gid] = GroupFree(
            entry.group_id,
            entry.organisation_id,
            entry.organisation,
            age_from,
            age_to,
            lang,
            kind,
            entry.general + (0 if priority else 1),
            entry.priority + (1 if priority else 0),
        )
    return sorted(found.values(), key=lambda g: (g.organisation, g.age_from, g.group_id))
