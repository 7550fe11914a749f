"""Reads of open data (rules O1–O5): figures, the protocols of freed places and of directions, queue lists.

Everything is scoped to one locality and is public: application and direction numbers, organisations and
groups, dates — never IINs, names, phones or addresses of people (O5; the queue lists show initials,
which `kezek.waitlist.selectors.queue_page` computes). Lists are querysets (or lazy views of one) ordered
newest first, so the API, the pages and the exports page through the same read.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import get_language, gettext_lazy

from kezek.confirmation.selectors import swept_in_effect
from kezek.core import clock
from kezek.facilities.models import Group, Locality, Organisation
from kezek.ledger.models import LedgerEvent
from kezek.placement.models import Direction, Enrollment, Publication
from kezek.placement.selectors import direction_state, free_seat_count, groups_seat_figures
from kezek.waitlist.models import Application, StopListEntry
from kezek.waitlist.selectors import QueueRow, queue_page

RECENT_DAYS = 5  # O1: enrolled / left "in the last 5 days", today included
EXPORT_LIMIT = 50_000  # rows in one download; the page and the file say so when a download is cut
AgeRange = tuple[int, int]
T = TypeVar("T")


# ---------------------------------------------------------------------------------------------- O1


@dataclass(frozen=True)
class Figures:
    locality: str
    as_of: dt.date
    organisations: int
    free_places: int
    queued: int
    enrolled_recently: int
    left_recently: int


def figures(*, locality: Locality, today: dt.date | None = None) -> Figures:
    """O1: organisations, free places, queued applications, enrolled and left in the last 5 days.

    "Queued" counts as the rules say it is now: stop-listed applications whose automatic restoration is
    due count as queued even before the sweep applies it (as `waitlist.selectors.effective_status`), and an
    ended campaign's unconfirmed do not (C6).
    """
    today = today or clock.today()
    since = today - dt.timedelta(days=RECENT_DAYS - 1)
    queued = _queued(locality).count()
    restoring = StopListEntry.objects.filter(
        restored_at__isnull=True,
        restore_on__lte=today,
        application__locality=locality,
        application__status=Application.Status.STOP_LISTED,
    ).count()
    moves = (
        Enrollment.objects.filter(group__organisation__locality=locality)
        .filter(Q(enrolled_on__gte=since) | Q(left_on__gte=since))
        .aggregate(
            enrolled=Count("pk", filter=Q(enrolled_on__gte=since, enrolled_on__lte=today)),
            left=Count("pk", filter=Q(left_on__gte=since, left_on__lte=today)),
        )
    )
    return Figures(
        locality=locality.code,
        as_of=today,
        organisations=Organisation.objects.filter(locality=locality, is_active=True).count(),
        free_places=free_seat_count(locality=locality),
        queued=queued + restoring,
        enrolled_recently=moves["enrolled"] or 0,
        left_recently=moves["left"] or 0,
    )


# ------------------------------------------------------------------------------------ shared filters


def _queued(locality: Locality) -> QuerySet[Application]:
    """The locality's queued applications as they are now: an ended campaign's unconfirmed are stop-listed
    in effect (C6) before `tick` sweeps them."""
    return Application.objects.filter(locality=locality, status=Application.Status.QUEUED).filter(
        ~swept_in_effect(now=clock.now())
    )


def age_ranges(*, locality: Locality) -> list[AgeRange]:
    """The age ranges of the locality's groups (the seed's "Наличие возрастных групп" choices)."""
    rows = (
        Group.objects.filter(organisation__locality=locality)
        .order_by("age_from", "age_to")
        .values_list("age_from", "age_to")
        .distinct()
    )
    return [(int(a), int(b)) for a, b in rows]


def _group_q(
    prefix: str,
    *,
    ages: tuple[AgeRange, ...] = (),
    languages: tuple[str, ...] = (),
    organisation: str = "",
    ownership: tuple[str, ...] = (),
    kind: str | None = None,
) -> Q:
    """Filters on the group (`prefix` is the path to it): exact age ranges, languages, organisation."""
    q = Q()
    if ages:
        any_range = Q()
        for age_from, age_to in ages:
            any_range |= Q(**{f"{prefix}age_from": age_from, f"{prefix}age_to": age_to})
        q &= any_range
    if languages:
        q &= Q(**{f"{prefix}language__in": languages})
    if ownership:
        q &= Q(**{f"{prefix}organisation__ownership__in": ownership})
    if kind:
        q &= Q(**{f"{prefix}kind": kind})
    if organisation:
        q &= Q(**{f"{prefix}organisation__name_ru__icontains": organisation}) | Q(
            **{f"{prefix}organisation__name_kk__icontains": organisation}
        )
    return q


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=clock.local_tz())


# ---------------------------------------------------------------------------------------------- O2


@dataclass(frozen=True)
class PublicationFilters:
    """O2 filters: publication date (local, inclusive), ownership, group kind, age ranges, name."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    ownership: tuple[str, ...] = ()
    kind: str | None = None
    ages: tuple[AgeRange, ...] = ()
    organisation: str = ""


def publication_list(*, locality: Locality, filters: PublicationFilters) -> QuerySet[Publication]:
    """O2: every publication of freed places ever made in the locality, newest first.

    One query per page (the group and organisation are joined, only the public columns read); the date
    filter and the order use the index on `published_at`.
    """
    qs = Publication.objects.filter(group__organisation__locality=locality)
    if filters.date_from:
        qs = qs.filter(published_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        qs = qs.filter(published_at__lt=_start_of(filters.date_to + dt.timedelta(days=1)))
    qs = qs.filter(
        _group_q(
            "group__",
            ages=filters.ages,
            organisation=filters.organisation,
            ownership=filters.ownership,
            kind=filters.kind,
        )
    )
    return (
        qs.select_related("group__organisation")
        .only(
            "published_at",
            "priority_until",
            "places",
            "cause",
            "policy",
            "group__name",
            "group__age_from",
            "group__age_to",
            "group__language",
            "group__kind",
            "group__organisation__name_ru",
            "group__organisation__name_kk",
            "group__organisation__address",
            "group__organisation__ownership",
        )
        .order_by("-published_at", "-pk")
    )


# ---------------------------------------------------------------------------------------------- O3


@dataclass(frozen=True)
class DirectionFilters:
    """O3 filters: languages of the group, age ranges, organisation name. None of them: show all."""

    languages: tuple[str, ...] = ()
    ages: tuple[AgeRange, ...] = ()
    organisation: str = ""


@dataclass(frozen=True)
class DirectionRow:
    """A row of the protocol of directions (O3). `kind` is "direction", or "staff_child" for a child of
    the kindergarten's staff enrolled outside the queue (P7: marked publicly, no direction, no number)."""

    kind: str
    number: int | None
    application: int | None
    issued_at: dt.datetime | None
    valid_until: dt.datetime | None
    enrolled_on: dt.date | None
    state: str
    staff_child: bool
    organisation_id: int
    organisation_name_ru: str
    organisation_name_kk: str
    age_from: int
    age_to: int
    language: str

    @property
    def organisation_name(self) -> str:
        """The name in the active language, as `BilingualNameMixin.name`."""
        if (get_language() or "ru").startswith("kk") and self.organisation_name_kk:
            return self.organisation_name_kk
        return self.organisation_name_ru


class LazyRows(Generic[T]):
    """A queryset seen through a row mapper: slicing maps the rows, `count()` counts them in the database.

    What Django's `Paginator` and ninja's pagination need (count, slice), and `iterator()` for exports.
    """

    def __init__(self, queryset: QuerySet[Any], mapper: Callable[[Any], T]) -> None:
        self.queryset = queryset
        self.mapper = mapper
        self._count: int | None = None

    def all(self) -> "LazyRows[T]":
        return self

    def count(self) -> int:
        if self._count is None:
            self._count = self.queryset.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[T]:
        if not isinstance(index, slice):
            raise TypeError("LazyRows supports slices only")
        return [self.mapper(row) for row in self.queryset[index]]

    def iterator(self, *, limit: int, chunk_size: int = 2000) -> Iterator[T]:
        for row in self.queryset[:limit].iterator(chunk_size=chunk_size):
            yield self.mapper(row)


def _group_columns() -> dict[str, Any]:
    return {
        "row_organisation": F("group__organisation_id"),
        "row_name_ru": F("group__organisation__name_ru"),
        "row_name_kk": F("group__organisation__name_kk"),
        "row_age_from": F("group__age_from"),
        "row_age_to": F("group__age_to"),
        "row_language": F("group__language"),
    }


def direction_rows(
    *, locality: Locality, filters: DirectionFilters, now: dt.datetime | None = None
) -> LazyRows[DirectionRow]:
    """O3: every direction of the locality, newest first, with its state as it is now (a live direction
    past its deadline shows as expired before the sweep) and the staff-child mark of its enrolment; and
    every enrolment of a staff child outside the queue (P7), dated by its enrolment day. One query."""
    now = now or clock.now()
    group_q = _group_q(
        "group__", ages=filters.ages, languages=filters.languages, organisation=filters.organisation
    )
    directions = (
        Direction.objects.filter(group__organisation__locality=locality)
        .filter(group_q)
        .order_by()
        .values(
            row_kind=Value("direction", output_field=CharField()),
            row_key=F("pk"),
            row_number=F("pk"),
            row_application=F("application_id"),
            row_at=F("issued_at"),
            row_valid_until=F("valid_until"),
            row_enrolled_on=F("enrollment__enrolled_on"),
            row_state=F("state"),
            row_staff_child=Coalesce(F("enrollment__staff_child"), Value(False), output_field=BooleanField()),
            **_group_columns(),
        )
    )
    outside_queue = (
        Enrollment.objects.filter(
            group__organisation__locality=locality, staff_child=True, direction__isnull=True
        )
        .filter(group_q)
        .order_by()
        .values(
            row_kind=Value("staff_child", output_field=CharField()),
            row_key=F("pk"),
            row_number=Value(None, output_field=IntegerField()),
            row_application=Value(None, output_field=IntegerField()),
            row_at=Cast("enrolled_on", DateTimeField()),
            row_valid_until=Value(None, output_field=DateTimeField()),
            row_enrolled_on=F("enrolled_on"),
            row_state=Value(Direction.State.ENROLLED.value, output_field=CharField()),
            row_staff_child=Value(True, output_field=BooleanField()),
            **_group_columns(),
        )
    )
    union = directions.union(outside_queue, all=True).order_by("-row_at", "row_kind", "-row_key")

    def row(values: dict[str, Any]) -> DirectionRow:
        kind = values["row_kind"]
        state = str(values["row_state"])
        direction = kind == "direction"
        if direction:
            live = Direction(state=state, valid_until=values["row_valid_until"])
            state = str(direction_state(live, now=now))
        return DirectionRow(
            kind=kind,
            number=values["row_number"],
            application=values["row_application"],
            issued_at=values["row_at"] if direction else None,
            valid_until=values["row_valid_until"],
            enrolled_on=values["row_enrolled_on"],
            state=state,
            staff_child=bool(values["row_staff_child"]),
            organisation_id=values["row_organisation"],
            organisation_name_ru=values["row_name_ru"],
            organisation_name_kk=values["row_name_kk"],
            age_from=values["row_age_from"],
            age_to=values["row_age_to"],
            language=values["row_language"],
        )

    return LazyRows(union, row)


# ---------------------------------------------------------------------------------------------- O4


@dataclass(frozen=True)
class Cohort:
    year: int
    size: int


def cohort_list(*, locality: Locality, today: dt.date | None = None) -> list[Cohort]:
    """The birth-year cohorts with queued applications (Q3), oldest first, with their sizes.

    As `queue_page` counts them: an automatic restoration that is due counts as queued before the sweep,
    an ended campaign's unconfirmed application does not (C6).
    """
    today = today or clock.today()
    sizes: dict[int, int] = {}
    queued = (
        _queued(locality).order_by().values("cohort").annotate(size=Count("pk")).values_list("cohort", "size")
    )
    restoring = (
        StopListEntry.objects.filter(
            restored_at__isnull=True,
            restore_on__lte=today,
            application__locality=locality,
            application__status=Application.Status.STOP_LISTED,
        )
        .order_by()
        .values("application__cohort")
        .annotate(size=Count("pk"))
        .values_list("application__cohort", "size")
    )
    for year, size in [*queued, *restoring]:
        sizes[int(year)] = sizes.get(int(year), 0) + int(size)
    return [Cohort(year=year, size=sizes[year]) for year in sorted(sizes)]


class QueueRows:
    """The public queue of one cohort (O4) as a sliceable, countable sequence over `queue_page`.

    `queue_page` answers a slice and the cohort's size together, so both are kept: a paginator that asks
    for the count and then for the same slice costs one call.
    """

    def __init__(self, *, locality: Locality, cohort: int) -> None:
        self.locality = locality
        self.cohort = cohort
        self._count: int | None = None
        self._slices: dict[tuple[int, int], list[QueueRow]] = {}

    def all(self) -> "QueueRows":
        return self

    def count(self) -> int:
        if self._count is None:
            self.__getitem__(slice(0, 0))  # sets the count
        return self._count or 0

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[QueueRow]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("QueueRows supports plain slices only")
        start = index.start or 0
        stop = index.stop if index.stop is not None else start + EXPORT_LIMIT
        stop = max(stop, start)
        for (offset, limit), rows in self._slices.items():  # a slice of a slice already read
            if offset <= start and stop <= offset + limit:
                return rows[start - offset : stop - offset]
        self._count, rows = queue_page(
            locality=self.locality, cohort=self.cohort, offset=start, limit=stop - start
        )
        self._slices[start, stop - start] = rows
        return rows


# ------------------------------------------------------------------------------------ seats per group


def group_seats(*, locality: Locality, organisation_id: int | None = None) -> QuerySet[Group]:
    """P1 in public: every active group of the locality (or of one organisation) with its capacity,
    children enrolled, live directions, open places and seats not yet published, in one statement
    (`placement.selectors.groups_seat_figures`), by organisation and group."""
    groups = Group.objects.filter(organisation__locality=locality, is_active=True)
    if organisation_id is not None:
        groups = groups.filter(organisation_id=organisation_id)
    return groups_seat_figures(groups.select_related("organisation")).order_by(
        "organisation__name_ru", "organisation_id", "age_from", "name", "pk"
    )


def group_organisations(*, locality: Locality) -> QuerySet[Organisation]:
    """The organisations of the locality with an active group: the choices of the groups page's filter."""
    return (
        Organisation.objects.filter(locality=locality, groups__is_active=True)
        .distinct()
        .only("pk", "name_ru", "name_kk")
        .order_by("name_ru", "pk")
    )


# ------------------------------------------------------------------------------ staff decisions (D1)

# The public act of each ledger event kind written with a basis (D1). An unknown kind reads "other".
DECISION_ACTS = {
    "application.stop_listed": "stop_listed",
    "application.restored": "restored",
    "application.withdrawn": "withdrawn",
    "benefit.decided": "benefit_decided",
    "enrollment.staff_child": "staff_child_enrolled",
    "access_request.first_approved": "access_first_approved",
    "access_request.approved": "access_approved",
    "access_request.rejected": "access_rejected",
}
REGION_WIDE_DECISIONS = "access_request"  # events of the region's cabinet: recorded without a locality
ACT_LABELS = {
    ("stop_listed", "manual"): gettext_lazy("Stop-listed by staff"),
    ("stop_listed", "benefit_rejected"): gettext_lazy("Stop-listed after a rejected benefit"),
    ("stop_listed", ""): gettext_lazy("Stop-listed by staff"),
    ("restored", ""): gettext_lazy("Restored to the queue by staff"),
    ("withdrawn", ""): gettext_lazy("Withdrawn on a written request"),
    ("benefit_decided", "confirmed"): gettext_lazy("Benefit confirmed"),
    ("benefit_decided", "rejected"): gettext_lazy("Benefit rejected"),
    ("benefit_decided", ""): gettext_lazy("Benefit decision"),
    ("staff_child_enrolled", ""): gettext_lazy("Staff child enrolled outside the queue"),
    ("access_first_approved", ""): gettext_lazy("Cabinet access decision: first approval"),
    ("access_approved", ""): gettext_lazy("Cabinet access decision: granted"),
    ("access_rejected", ""): gettext_lazy("Cabinet access decision: refused"),
}
OTHER_ACT = gettext_lazy("Other staff decision")


@dataclass(frozen=True)
class DecisionRow:
    """The redacted public line of a discretionary staff act (D1): when, which act, its public subject (an
    application's number, or the kindergarten of a staff child), the document's number and the basis's
    hash, and the ledger's sequence number to find the event by. Never the reason, nor a person."""

    seq: int
    occurred_at: dt.datetime
    kind: str
    act: str
    outcome: str  # benefit: confirmed / rejected; stop-listing: manual / benefit_rejected; else ""
    application: int | None
    organisation_id: int | None
    organisation_name_ru: str
    organisation_name_kk: str
    region_wide: bool
    document_number: str
    basis_hash: str

    @property
    def organisation_name(self) -> str:
        if (get_language() or "ru").startswith("kk") and self.organisation_name_kk:
            return self.organisation_name_kk
        return self.organisation_name_ru

    @property
    def basis_hash_short(self) -> str:
        return self.basis_hash[:12]

    @property
    def act_label(self) -> str:
        return str(ACT_LABELS.get((self.act, self.outcome), OTHER_ACT))


_OUTCOMES = {
    "application.stop_listed": ("reason", ("manual", "benefit_rejected")),
    "benefit.decided": ("decision", ("confirmed", "rejected")),
}


def _text(value: object) -> str:
    return "" if value is None else str(value)


def decision_rows(*, locality: Locality) -> LazyRows[DecisionRow]:
    """D1 in public: the ledger events of the locality that cite a basis (`basis_hash` in their payload),
    newest first, and the region's cabinet access decisions (recorded with no locality). One query per
    page; only the public keys of the payload are read (its `reason`, a staff child's free text, is not:
    a stop-listing's reason code is read through a separate key only for that kind)."""
    organisation = Organisation.objects.filter(pk=OuterRef("row_organisation"))
    events = (
        LedgerEvent.objects.filter(payload__has_key="basis_hash")
        .filter(Q(locality_code=locality.code) | Q(locality_code="", subject_type=REGION_WIDE_DECISIONS))
        .annotate(
            row_hash=KT("payload__basis_hash"),
            row_document=KT("payload__basis_document_number"),
            row_decision=KT("payload__decision"),
            row_reason=Case(
                When(kind="application.stop_listed", then=KT("payload__reason")),
                default=Value(""),
                output_field=CharField(),
            ),
            row_organisation=Case(
                When(kind="enrollment.staff_child", then=Cast(KT("payload__organisation"), IntegerField())),
                default=Value(None),
                output_field=IntegerField(),
            ),
        )
        .annotate(
            row_name_ru=Subquery(organisation.values("name_ru")[:1]),
            row_name_kk=Subquery(organisation.values("name_kk")[:1]),
        )
        .order_by("-seq")
        .values(
            "seq",
            "occurred_at",
            "kind",
            "subject_type",
            "subject_id",
            "locality_code",
            "row_hash",
            "row_document",
            "row_decision",
            "row_reason",
            "row_organisation",
            "row_name_ru",
            "row_name_kk",
        )
    )

    def row(values: dict[str, Any]) -> DecisionRow:
        kind = values["kind"]
        outcome = ""
        if kind in _OUTCOMES:
            key, allowed = _OUTCOMES[kind]
            found = _text(values[f"row_{key}"])
            outcome = found if found in allowed else ""
        subject_id = _text(values["subject_id"])
        application = (
            int(subject_id)
            if values["subject_type"] == "application" and subject_id.isascii() and subject_id.isdigit()
            else None
        )
        return DecisionRow(
            seq=values["seq"],
            occurred_at=values["occurred_at"],
            kind=kind,
            act=DECISION_ACTS.get(kind, "other"),
            outcome=outcome,
            application=application,
            organisation_id=values["row_organisation"],
            organisation_name_ru=_text(values["row_name_ru"]),
            organisation_name_kk=_text(values["row_name_kk"]),
            region_wide=not values["locality_code"],
            document_number=_text(values["row_document"]),
            basis_hash=_text(values["row_hash"]),
        )

    return LazyRows(events, row)
