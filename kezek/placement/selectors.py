"""Reads of distribution: seat accounting, eligibility (P3), queue order across cohorts (P2), the places a
parent may take now, the free-places read model of the passport, directions as they are now.

Reads never wait for the sweeps (`manage.py tick`): a live direction past its deadline is read as expired
and its seat as published again, as the sweep will leave them (P5)."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from kezek.confirmation.selectors import swept_in_effect
from kezek.core import clock
from kezek.core.errors import Conflict, NotFound, ValidationFailed
from kezek.core.workdays import add_working_days
from kezek.facilities.models import Group, Locality
from kezek.waitlist import commitments, ordering
from kezek.waitlist.models import Applicant, Application, BenefitClaim, StopListEntry, Tier
from kezek.waitlist.selectors import priority_ratio

from .models import (
    LIVE_DIRECTION_STATES,
    AgeReference,
    Direction,
    Enrollment,
    MedicalIndication,
    Place,
    PlacementSettings,
    Policy,
    PriorityHolder,
)

CORRECTIONAL_CATEGORY = "special_needs"  # P3: a correctional group needs a confirmed conclusion


def placement_settings(*, locality: Locality) -> PlacementSettings:
    """The locality's settings, or the defaults (unsaved) when it has none."""
    return PlacementSettings.objects.filter(locality=locality).first() or PlacementSettings(locality=locality)


def publication_window(
    *, freed_at: dt.datetime, now: dt.datetime, settings: PlacementSettings
) -> dt.datetime:
    """P2: the end of the priority window of seats freed at `freed_at` and published `now` — `priority_days`
    calendar days after they were freed, at `priority_hour` local time.

    A late sweep publishes a seat after it was freed: the window still ends when it would have, and one
    already over (never before `now`) means general access at once. An offer (policy `offer`) is personal:
    it always runs a whole window from `now`."""
    if settings.distribution_policy == Policy.VOUCHER:
        return now  # E30: no window and no holders — the places go to vouchers (`kezek.vouchers`)
    start = freed_at if settings.distribution_policy == Policy.WINDOW else now
    day = start.astimezone(clock.local_tz()).date() + dt.timedelta(days=settings.priority_days)
    return max(now, dt.datetime.combine(day, dt.time(settings.priority_hour), tzinfo=clock.local_tz()))


def _count(model: type, *conditions: Q, **filters: object) -> Coalesce:
    rows = model.objects.filter(*conditions, group=OuterRef("pk"), **filters).order_by().values("group")  # type: ignore[attr-defined]
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), Value(0))


def _room(live: Q | None = None) -> ExpressionWrapper:
    """A group's room: capacity − enrolled − live directions (those also matching `live`) − open places
    (P1)."""
    room = (
        F("capacity")
        - _count(Enrollment, left_on__isnull=True)
        - _count(Direction, live or Q(), state__in=LIVE_DIRECTION_STATES)
        - _count(Place, status=Place.Status.OPEN)
    )
    return ExpressionWrapper(room, output_field=IntegerField())


def _rooms(groups: QuerySet[Group], *, live: Q | None = None) -> list[tuple[int, int, int]]:
    """(group id, locality id, room) in one statement (one snapshot), room as `_room`."""
    rows = groups.annotate(room=_room(live))
    return [
        (pk, locality, int(n))
        for pk, locality, n in rows.values_list("pk", "organisation__locality_id", "room")
    ]


def unaccounted_seats(*, group: Group) -> int:
    """Capacity − enrolled − live directions − open places, in one statement (one snapshot) (P1)."""
    ((_pk, _locality, room),) = _rooms(Group.objects.filter(pk=group.pk))
    return room


def groups_with_unaccounted_seats() -> QuerySet[Group]:
    """The active groups with seats that nobody holds and that are not published — whatever freed them
    (P1) — found in one statement over all groups, by id. Overdue live directions still hold their seat:
    their sweep publishes it again with its own cause (P5). Each carries its `room` (`_room`)."""
    return Group.objects.filter(is_active=True).annotate(room=_room()).filter(room__gt=0).order_by("pk")


def reference_date(*, group: Group, on: dt.date, settings: PlacementSettings) -> dt.date:
    """The day the child's age is counted on (P3, setting `age_reference`)."""
    if settings.age_reference == AgeReference.SEPTEMBER_1:
        return dt.date(group.academic_year, 9, 1)
    return on


def _birth_range(group: Group, ref: dt.date) -> tuple[dt.date, dt.date]:
    """Birth dates (exclusive, inclusive] of children aged [age_from, age_to) full years on `ref`."""
    return clock.years_before(ref, group.age_to), clock.years_before(ref, group.age_from)


def child_fits_group(
    *, birth_date: dt.date, group: Group, on: dt.date, settings: PlacementSettings | None = None
) -> bool:
    """Whether a child born on `birth_date` is of the group's ages (P3): full years on the locality's
    reference day for `on`, within [age_from, age_to). `settings`: the locality's, when the caller has
    them already."""
    settings = settings or placement_settings(locality=group.organisation.locality)
    after, until = _birth_range(group, reference_date(group=group, on=on, settings=settings))
    return after < birth_date <= until


def _kind_condition(kind: str, on: dt.date) -> Q:
    """P3: what a group of this kind asks of an application besides the child's age — a confirmed
    special-needs conclusion (correctional), a confirmed medical indication valid on `on` (sanatorium)."""
    if kind == Group.Kind.CORRECTIONAL:
        claims = BenefitClaim.objects.filter(
            application=OuterRef("pk"),
            category__code=CORRECTIONAL_CATEGORY,
            status=BenefitClaim.Status.CONFIRMED,
        )
        return Q(Exists(claims))
    if kind == Group.Kind.SANATORIUM:
        indications = MedicalIndication.objects.filter(
            child=OuterRef("child_id"),
            status=MedicalIndication.Status.CONFIRMED,
            issued_on__lte=on,
            valid_until__gte=on,
        )
        return Q(Exists(indications))
    return Q()


def _queued_in_effect(locality_id: int, on: dt.date) -> QuerySet[Application]:
    """The locality's applications that take part in distribution on `on`, age and group kind aside."""
    # Queued, or stop-listed with an automatic restoration due (queued in effect: the sweep is late).
    restoring = StopListEntry.objects.filter(
        application=OuterRef("pk"), restored_at__isnull=True, restore_on__lte=on
    )
    # An ended campaign's unconfirmed are stop-listed in effect (C6: the sweep is `tick`'s).
    return Application.objects.filter(
        Q(status=Application.Status.QUEUED) | Q(Exists(restoring), status=Application.Status.STOP_LISTED),
        ~swept_in_effect(now=clock.now()),
        locality_id=locality_id,
    )


def _eligible(group: Group, on: dt.date) -> QuerySet[Application]:
    settings = placement_settings(locality=group.organisation.locality)
    after, until = _birth_range(group, reference_date(group=group, on=on, settings=settings))
    return _queued_in_effect(group.organisation.locality_id, on).filter(
        _kind_condition(group.kind, on), child__birth_date__gt=after, child__birth_date__lte=until
    )


def _kinds_open_to(application: Application, *, on: dt.date) -> list[str]:
    """The group kinds whose condition (P3) the application meets on `on` (age aside)."""
    mine = Application.objects.filter(pk=application.pk)
    return [kind for kind in Group.Kind.values if mine.filter(_kind_condition(kind, on)).exists()]


def eligible_applications(*, group: Group, on: dt.date) -> QuerySet[Application]:
    """The applications that may take a place of `group` on `on` (P3; queued in effect), unordered."""
    return _eligible(group, on)


def check_eligible(*, application: Application, group: Group, on: dt.date) -> None:
    """P3: the child's age fits the group and a correctional or sanatorium group's condition holds; else
    422."""
    if not _eligible(group, on).filter(pk=application.pk).exists():
        mine = Application.objects.filter(pk=application.pk)
        status = mine.values_list("status", flat=True).first()
        if status != Application.Status.QUEUED or mine.filter(swept_in_effect(now=clock.now())).exists():
            raise Conflict(_("This application is not in the queue."), code="application_not_queued")
        raise ValidationFailed(
            _("The child does not fit this group's age range or kind."), code="not_eligible"
        )


def _heads(group: Group, limit: int, on: dt.date) -> dict[str, list[Application]]:
    """Each tier's first `limit` eligible applications by (registered_at, number)."""
    eligible = _eligible(group, on).select_related("applicant")
    return {
        tier: list(eligible.filter(tier=tier).order_by("registered_at", "pk")[:limit])
        for tier in ordering.TIERS
    }


def _line(group: Group, heads: dict[str, list[Application]], limit: int) -> list[Application]:
    merged = ordering.interleave(
        extraordinary=heads[Tier.EXTRAORDINARY],
        first_priority=[((a.registered_at, a.pk), a) for a in heads[Tier.FIRST_PRIORITY]],
        general=[((a.registered_at, a.pk), a) for a in heads[Tier.GENERAL]],
        ratio=priority_ratio(locality_id=group.organisation.locality_id),
    )
    return merged[:limit]


def eligible_in_order(*, group: Group, limit: int, on: dt.date) -> list[Application]:
    """The first `limit` eligible applications in queue order (Q4) across the cohorts the group admits.

    Across cohorts the order is the cohort order with registration time in place of the ordinal: each
    tier's first `limit` by (registered_at, number), merged by `ordering.interleave`.
    """
    return _line(group, _heads(group, limit, on), limit)


def cohorts_in_reach(*, group: Group, reference: dt.date) -> list[int]:
    """Birth years of which some child is of the group's ages on `reference` (P3, whole years)."""
    years = []
    for year in range(reference.year - group.age_to, reference.year - group.age_from + 1):
        oldest = reference.year - year  # born on 1 January
        youngest = oldest if (reference.month, reference.day) == (12, 31) else oldest - 1
        if oldest >= group.age_from and youngest < group.age_to:
            years.append(year)
    return years


@dataclass(frozen=True)
class Distribution:
    """The holders a publication names (P2) and, for a general group, the outcome P3 applied to the
    applications ahead of them (A5): `passed_over` lists every application of the cohorts in reach that
    takes part in distribution, stands in its tier before that tier's `limit`-th eligible one (all of the
    tier when it has fewer) and was not eligible by its child's age on `age_on`."""

    holders: list[Application]
    age_on: dt.date
    passed_over: list[int] | None


def distribution(*, group: Group, limit: int, on: dt.date) -> Distribution:
    """`eligible_in_order` with the outcome of P3 for the applications ahead (A5)."""
    heads = _heads(group, limit, on)
    settings = placement_settings(locality=group.organisation.locality)
    age_on = reference_date(group=group, on=on, settings=settings)
    if group.kind != Group.Kind.GENERAL:
        # A correctional or sanatorium group's condition rests on conclusions the log does not carry yet.
        return Distribution(holders=_line(group, heads, limit), age_on=age_on, passed_over=None)
    eligible = _eligible(group, on).values("pk")
    reach = cohorts_in_reach(group=group, reference=age_on)
    passed: list[int] = []
    for tier, head in heads.items():
        ahead = _queued_in_effect(group.organisation.locality_id, on).filter(tier=tier, cohort__in=reach)
        if len(head) == limit and head:
            last = head[-1]
            ahead = ahead.filter(
                Q(registered_at__lt=last.registered_at) | Q(registered_at=last.registered_at, pk__lt=last.pk)
            )
        passed += ahead.exclude(pk__in=eligible).values_list("pk", flat=True)
    return Distribution(holders=_line(group, heads, limit), age_on=age_on, passed_over=sorted(passed))


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


@dataclass(frozen=True)
class Offer:
    """A live offer of places to one of the parent's applications (P2): take one in `group` before `until`."""

    application: Application
    group: Group
    until: dt.datetime


def offers_of(*, applicant: Applicant, now: dt.datetime | None = None) -> list[Offer]:
    """The parent's live offers, soonest deadline first: a priority holding whose window runs now (an
    ended one is not live, whether or not `tick` has moved the offer on), on a publication with an open
    place of an active group, held by an application that may take it now (P3: `_eligible`; one with a
    live direction may not). One per application and group."""
    now = now or clock.now()
    holdings = (
        PriorityHolder.objects.filter(
            application__applicant=applicant,
            until__gt=now,
            publication__group__is_active=True,
            publication__place_set__status=Place.Status.OPEN,
        )
        .select_related("application__child", "publication__group__organisation__locality")
        .order_by("until", "pk")
        .distinct()
    )
    offers: dict[tuple[int, int], Offer] = {}
    for holding in holdings:
        group = holding.publication.group
        key = (holding.application_id, group.pk)
        if key in offers or not _eligible(group, now.date()).filter(pk=holding.application_id).exists():
            continue
        offers[key] = Offer(holding.application, group, holding.until)
    return list(offers.values())


def direction_extended_until(direction: Direction, *, settings: PlacementSettings) -> dt.datetime | None:
    """P4: the deadline one more extension would give a direction — its validity again, never past
    `latest_valid_until` — or None when it cannot be extended any further."""
    last_day = (direction.valid_until - dt.timedelta(microseconds=1)).astimezone(clock.local_tz()).date()
    longer = end_of_day(add_working_days(last_day, settings.direction_working_days))
    new_until = min(longer, direction.latest_valid_until)
    return new_until if new_until > direction.valid_until else None


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after `day` (local): a direction "valid through day D" ends at D+1 00:00."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=clock.local_tz())


def direction_state(direction: Direction, *, now: dt.datetime | None = None) -> str:
    """The state as it is now: a live direction past its deadline is expired even before the sweep."""
    now = now or clock.now()
    if direction.state in LIVE_DIRECTION_STATES and direction.valid_until <= now:
        return Direction.State.EXPIRED
    return str(direction.state)


def _in_priority(policy: str, until: dt.datetime, now: dt.datetime) -> bool:
    """P2: a place is in priority access while its window runs; under policy `offer` it is only ever offered
    (the sweep moves an unanswered offer on), never in general access."""
    return policy in (Policy.OFFER, Policy.VOUCHER) or until > now  # E30: a voucher's, never general


def _free_seats(groups: QuerySet[Group], *, now: dt.datetime) -> list[tuple[int, bool]]:
    """Every free seat of these groups as (group id, in priority access): the open places, and the seats of
    live directions past their deadline as the sweep will publish them again (P5)."""
    places = Place.objects.filter(group__in=groups, status=Place.Status.OPEN).values_list(
        "group_id", "publication__policy", "publication__priority_until"
    )
    seats = [(group_id, _in_priority(policy, until, now)) for group_id, policy, until in places]
    return seats + _seats_to_republish(groups, now=now)


def free_seat_count(*, locality: Locality, now: dt.datetime | None = None) -> int:
    """The free seats of a locality's groups as the passport shows them (open data O1): the open places
    and the seats the sweep will publish again."""
    return len(_free_seats(Group.objects.filter(organisation__locality=locality), now=now or clock.now()))


def _seats_to_republish(groups: QuerySet[Group], *, now: dt.datetime) -> list[tuple[int, bool]]:
    """The seats the sweep (P5) publishes again when it expires the live directions past their deadline:
    each freed at its direction's deadline (`publication_window`). The sweep publishes what nobody holds,
    in deadline order, so a group with less room (capacity lowered since) gets only its last ones back."""
    overdue = (
        Direction.objects.filter(
            group__in=groups.filter(is_active=True), state__in=LIVE_DIRECTION_STATES, valid_until__lte=now
        )
        .order_by("valid_until", "pk")
        .values_list("group_id", "valid_until")
    )
    deadlines: dict[int, list[dt.datetime]] = {}
    for group_id, deadline in overdue:
        deadlines.setdefault(group_id, []).append(deadline)
    if not deadlines:
        return []
    rooms = _rooms(Group.objects.filter(pk__in=deadlines), live=Q(valid_until__gt=now))
    settings: dict[int, PlacementSettings] = {}
    seats = []
    for group_id, locality_id, room in rooms:
        if locality_id not in settings:
            settings[locality_id] = placement_settings(locality=Locality.objects.get(pk=locality_id))
        freed = deadlines[group_id]
        republished = min(max(room, 0), len(freed))
        for deadline in freed[len(freed) - republished :]:
            until = publication_window(freed_at=deadline, now=now, settings=settings[locality_id])
            seats.append((group_id, _in_priority(settings[locality_id].distribution_policy, until, now)))
    return seats


@dataclass(frozen=True)
class AgeRangeFree:
    """The passport's free places of one age range (seed: general access with its languages, priority)."""

    age_from: int
    age_to: int
    general: int
    general_by_language: dict[str, int]
    priority: int


def free_places(*, organisation_id: int, now: dt.datetime | None = None) -> list[AgeRangeFree]:
    """Free places per age range of an organisation: in priority access while their publication's window
    runs, in general access (by language) after it — computed from the timestamps, so right without the
    sweeps."""
    now = now or clock.now()
    seats = _free_seats(Group.objects.filter(organisation_id=organisation_id), now=now)
    groups = Group.objects.in_bulk({group_id for group_id, _priority in seats})
    general: Counter[tuple[int, int]] = Counter()
    priority: Counter[tuple[int, int]] = Counter()
    languages: dict[tuple[int, int], Counter[str]] = {}
    for group_id, in_priority in seats:
        group = groups[group_id]
        key = (group.age_from, group.age_to)
        if in_priority:
            priority[key] += 1
        else:
            general[key] += 1
            languages.setdefault(key, Counter())[group.language] += 1
    return [
        AgeRangeFree(
            age_from,
            age_to,
            general=general[age_from, age_to],
            general_by_language=dict(languages.get((age_from, age_to), {})),
            priority=priority[age_from, age_to],
        )
        for age_from, age_to in sorted({*general, *priority})
    ]


@dataclass(frozen=True)
class GroupFree:
    """A group with free places, as the search lists it."""

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
    eligible_for: Application | None = None,
    language: str | None = None,
    organisation_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[GroupFree]:
    """Groups of a locality with free places (general and priority, as `free_places`), by language and
    organisation, for a child born on `birth_date` — its age on today's reference date must fit (P3) — or
    for the child of `eligible_for`, in the groups whose kind's condition it meets too (P3)."""
    now = now or clock.now()
    groups = Group.objects.filter(organisation__locality=locality, is_active=True)
    if language:
        groups = groups.filter(language=language)
    if organisation_id:
        groups = groups.filter(organisation_id=organisation_id)
    if eligible_for is not None:
        birth_date = eligible_for.child.birth_date
        groups = groups.filter(kind__in=_kinds_open_to(eligible_for, on=now.date()))
    general: Counter[int] = Counter()
    priority: Counter[int] = Counter()
    for group_id, in_priority in _free_seats(groups, now=now):
        (priority if in_priority else general)[group_id] += 1
    settings = placement_settings(locality=locality)
    found = []
    for group in Group.objects.filter(pk__in={*general, *priority}).select_related("organisation"):
        if birth_date is not None and not child_fits_group(
            birth_date=birth_date, group=group, on=now.date(), settings=settings
        ):
            continue
        found.append(
            GroupFree(
                group.pk,
                group.organisation_id,
                group.organisation.name,
                group.age_from,
                group.age_to,
                group.language,
                group.kind,
                general=general[group.pk],
                priority=priority[group.pk],
            )
        )
    return sorted(found, key=lambda g: (g.organisation, g.age_from, g.group_id))


# The web pages of the parent portal (search → group → direction, my directions, the public check).


def birth_date_of_age(*, age: int, today: dt.date) -> dt.date:
    """A birth date of a child `age` full years old `today`, as the search by age (API) takes it."""
    return clock.years_before(today, age) - dt.timedelta(days=1)


def free_places_filtered(
    *,
    locality: Locality,
    birth_date: dt.date | None = None,
    eligible_for: Application | None = None,
    language: str | None = None,
    organisation_id: int | None = None,
    organisation_kind: str | None = None,
    access: str | None = None,
    now: dt.datetime | None = None,
) -> list[GroupFree]:
    """`free_places_search`, narrowed to one kind of organisation and to the groups with free places in
    one access type (`general` or `priority`)."""
    rows = free_places_search(
        locality=locality,
        birth_date=birth_date,
        eligible_for=eligible_for,
        language=language,
        organisation_id=organisation_id,
        now=now,
    )
    if organisation_kind:
        kinds = dict(
            Group.objects.filter(pk__in=[r.group_id for r in rows]).values_list("pk", "organisation__kind")
        )
        rows = [r for r in rows if kinds.get(r.group_id) == organisation_kind]
    if access == "general":
        rows = [r for r in rows if r.general]
    elif access == "priority":
        rows = [r for r in rows if r.priority]
    return rows


def applications_eligible(*, applicant: Applicant, group: Group, on: dt.date) -> QuerySet[Application]:
    """The parent's own applications that may take a place of `group` on `on` (P3), by number."""
    return _eligible(group, on).filter(applicant=applicant).select_related("child").order_by("pk")


def directions_of(*, applicant: Applicant) -> QuerySet[Direction]:
    """A parent's own directions, newest first (never another family's)."""
    return Direction.objects.filter(application__applicant=applicant).select_related(
        "group__organisation", "application__child"
    )


def direction_of(*, applicant: Applicant, number: int) -> Direction:
    """One of the parent's own directions, or 404 (another family's is not found either)."""
    direction = directions_of(applicant=applicant).filter(pk=number).first()
    if direction is None:
        raise NotFound(_("Direction not found."))
    return direction


def direction_by_code(*, code: str) -> Direction:
    """The direction whose verification code (printed as a QR code) is `code`, or 404."""
    direction = (
        Direction.objects.select_related("group__organisation", "application__child")
        .filter(verification_code=code)
        .first()
        if code
        else None
    )
    if direction is None:
        raise NotFound(_("Direction not found."))
    return direction


# The kindergarten's back-office (issue #6): the staff pages narrow these with the user's scope.


def directions_awaiting_enrollment(*, now: dt.datetime | None = None) -> QuerySet[Direction]:
    """Directions the kindergarten may enrol now: awaiting enrolment and not past their deadline, by
    deadline. One waiting for its benefit to be confirmed is not among them (P4, P5)."""
    live = Q(state=Direction.State.AWAITING_ENROLLMENT, valid_until__gt=now or clock.now())
    return (
        Direction.objects.filter(live)
        .select_related("group__organisation", "application__child")
        .order_by("valid_until", "pk")
    )


def groups_with_seats(groups: QuerySet[Group], *, now: dt.datetime | None = None) -> QuerySet[Group]:
    """The groups annotated with `enrolled` (children in the group now), `live_directions` (those
    waiting for a benefit included: they hold a seat) and `free` (capacity − both)."""
    now = now or clock.now()
    enrolled = _count(Enrollment, left_on__isnull=True)
    live = _count(Direction, state__in=LIVE_DIRECTION_STATES, valid_until__gt=now)
    free = ExpressionWrapper(F("capacity") - F("enrolled") - F("live_directions"), IntegerField())
    return (
        groups.select_related("organisation")
        .annotate(enrolled=enrolled, live_directions=live)
        .annotate(free=free)
        .order_by("organisation__name_ru", "name", "pk")
    )


def enrollments_current() -> QuerySet[Enrollment]:
    """The children in groups now (not left), by group and name."""
    return (
        Enrollment.objects.filter(left_on__isnull=True)
        .select_related("child", "group__organisation", "direction")
        .order_by("group_id", "child__last_name", "child__first_name", "pk")
    )


# The department's back-office (issue #6): a group's seats, and the public history of the settings.


@dataclass(frozen=True)
class GroupSeats:
    """A group's seats now: capacity = enrolled + live directions + open places + unpublished (P1)."""

    capacity: int
    enrolled: int
    directions: int
    open: int

    @property
    def held(self) -> int:
        """The seats children hold: enrolled, or with a live direction."""
        return self.enrolled + self.directions

    @property
    def unpublished(self) -> int:
        return self.capacity - self.held - self.open


def groups_seat_figures(groups: QuerySet[Group], *, now: dt.datetime | None = None) -> QuerySet[Group]:
    """The groups annotated, in one statement, with their seats (open data, P1): `enrolled`,
    `live_directions` (before their deadline), `open_places` (published and untaken, and the seats of
    overdue directions, which the sweep publishes again: P5) and `unpublished` (capacity − the three:
    seats nobody holds and nobody has published yet, which the next `tick` publishes; 0 but for a moment)."""
    now = now or clock.now()
    overdue = _count(Direction, state__in=LIVE_DIRECTION_STATES, valid_until__lte=now)
    unpublished = ExpressionWrapper(
        F("capacity") - F("enrolled") - F("live_directions") - F("open_places"), IntegerField()
    )
    return groups.annotate(
        enrolled=_count(Enrollment, left_on__isnull=True),
        live_directions=_count(Direction, state__in=LIVE_DIRECTION_STATES, valid_until__gt=now),
        open_places=_count(Place, status=Place.Status.OPEN) + overdue,
    ).annotate(unpublished=unpublished)


def group_seats(*, group: Group) -> GroupSeats:
    """The seats of one group (live directions: every direction in a live state, overdue ones included
    until the sweep expires them)."""
    return GroupSeats(
        capacity=group.capacity,
        enrolled=Enrollment.objects.filter(group=group, left_on__isnull=True).count(),
        directions=Direction.objects.filter(group=group, state__in=LIVE_DIRECTION_STATES).count(),
        open=Place.objects.filter(group=group, status=Place.Status.OPEN).count(),
    )


SETTINGS_EVENTS = ("queue_settings.changed", "placement_settings.changed")


@dataclass(frozen=True)
class SettingsChange:
    """One change of a locality's settings, from the ledger: when, the ledger number, the new values (label,
    value) of what changed, and the staff user who made it (None when not recorded)."""

    at: dt.datetime
    seq: int
    values: list[tuple[str, str]]
    by: int | None


def _setting_label(name: str) -> str:
    if name == "priority_ratio":
        return str(_("general applications per first-priority one"))
    fields = {f.name: f.verbose_name for f in PlacementSettings._meta.concrete_fields}
    return str(fields.get(name, name))


def _setting_value(name: str, value: object) -> str:
    if name == "distribution_policy" and isinstance(value, str) and value in Policy.values:
        return str(Policy(value).label)
    if name == "age_reference" and isinstance(value, str) and value in AgeReference.values:
        return str(AgeReference(value).label)
    return str(value)


def settings_history(*, locality: Locality) -> list[SettingsChange]:
    """Every change of the locality's queue ratio and distribution settings, newest first, each with the
    values that changed (compared with the locality's previous event of the same kind, or the defaults)."""
    from kezek.ledger.models import LedgerEvent
    from kezek.waitlist.selectors import DEFAULT_RATIO

    events = LedgerEvent.objects.filter(
        locality_code=locality.code, subject_type="locality", subject_id=locality.code
    ).order_by("seq")
    defaults = {
        f.name: f.default for f in PlacementSettings._meta.concrete_fields if f.name not in ("id", "locality")
    }
    previous: dict[str, dict[str, object]] = {
        "queue_settings.changed": {"priority_ratio": DEFAULT_RATIO},
        "placement_settings.changed": dict(defaults),
    }
    changes = []
    for event in events.filter(kind__in=SETTINGS_EVENTS):
        settings_values = {name: value for name, value in event.payload.items() if name != "by"}
        before = previous[event.kind]
        new = {name: value for name, value in settings_values.items() if before.get(name) != value}
        previous[event.kind] = {**before, **settings_values}
        values = [(_setting_label(name), _setting_value(name, value)) for name, value in sorted(new.items())]
        by = event.payload.get("by")
        changes.append(
            SettingsChange(at=event.occurred_at, seq=event.seq, values=values, by=int(by) if by else None)
        )
    return changes[::-1]


def indication_opening(indication: MedicalIndication) -> dict[str, str] | None:
    """The opening of the indication's commitment for its family's proof; None before commitments."""
    if indication.commitment_salt is None:
        return None
    value = commitments.indication_value(
        application=indication.application_id,
        issued_on=indication.issued_on,
        valid_until=indication.valid_until,
    )
    return commitments.opening(commitments.INDICATION, value, bytes(indication.commitment_salt))
