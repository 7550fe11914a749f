"""Reading the yearly confirmation for the department's analytics (C5): campaigns with their progress, the
expected load on each kindergarten (question 1) and on the districts of the map, the distributions of the
answers to questions 2–6, the trends between campaigns of a locality.

Pure reads, a few aggregate queries each; the answers of questions 5 and 6 are JSON lists, counted in
Python while streaming them (the same on SQLite and PostgreSQL). Counts only: nothing here tells who
answered what.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.facilities.models import Group, Locality, Organisation
from kezek.waitlist.models import Application

from . import questions, selectors
from .models import Campaign, Response, ResponseKindergarten

Label = str | Promise
GRID = 4  # the map's districts: GRID × GRID cells over the kindergartens' bounding box
STREAM_CHUNK = 5_000
MIN_SPAN = Decimal("0.005")  # degrees on each side of a map whose kindergartens share a latitude/longitude


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent, one decimal (None of nothing)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def ratio(part: int, whole: int) -> Decimal | None:
    """`part` per one of `whole`, two decimals (None when `whole` is 0)."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------------------------------- campaigns


@dataclass(frozen=True)
class CampaignRow:
    """A campaign as the department's list shows it. `unconfirmed` (affected applications whose applicant
    has not answered) is counted only while answers still change the figure: running or closing."""

    campaign: Campaign
    state: str
    answered: int
    unconfirmed: int | None

    @property
    def state_label(self) -> Label:
        return Campaign.State(self.state).label


def campaign_rows(*, campaigns: QuerySet[Campaign], now: dt.datetime | None = None) -> list[CampaignRow]:
    now = now or clock.now()
    rows = []
    for campaign in campaigns.select_related("locality").annotate(answered=Count("responses")):
        state = campaign.state_at(now)
        live = state in (Campaign.State.RUNNING, Campaign.State.CLOSING)
        rows.append(
            CampaignRow(
                campaign=campaign,
                state=state,
                answered=campaign.answered,
                unconfirmed=selectors.unconfirmed_applications(campaign=campaign).count() if live else None,
            )
        )
    return rows


def campaign_row(*, campaign: Campaign, now: dt.datetime | None = None) -> CampaignRow:
    return campaign_rows(campaigns=Campaign.objects.filter(pk=campaign.pk), now=now)[0]


def open_campaign(*, locality: Locality) -> Campaign | None:
    """The locality's campaign not closed yet (scheduled, running or being swept), if any."""
    return Campaign.objects.filter(locality=locality, swept_at__isnull=True).first()


@dataclass(frozen=True)
class Audience:
    applications: int
    applicants: int
    last_cohort: int  # children born in this year or before are asked


def launch_audience(*, locality: Locality, starts_at: dt.datetime) -> Audience:
    """Whom a campaign starting at `starts_at` would ask, as the queue is now (C2): what the launch form
    tells the department before it confirms."""
    draft = Campaign(locality=locality, year=timezone.localtime(starts_at).year, starts_at=starts_at)
    affected = selectors.affected_applications(campaign=draft).order_by()
    figures = affected.aggregate(applications=Count("pk"), applicants=Count("applicant_id", distinct=True))
    return Audience(
        applications=figures["applications"],
        applicants=figures["applicants"],
        last_cohort=draft.last_cohort,
    )


# ------------------------------------------------------------------------------------- expected load


@dataclass(frozen=True)
class KindergartenLoad:
    """Question 1 for one kindergarten: chosen at any rank and as first choice, against the capacity of
    its active groups; `expected` extrapolates its share of first choices to the locality's whole queue."""

    organisation_id: int
    name: str
    latitude: Decimal | None
    longitude: Decimal | None
    chosen: int
    first_choice: int
    capacity: int
    expected: int

    @property
    def ratio(self) -> Decimal | None:
        """Times chosen per place (None without any place)."""
        return ratio(self.chosen, self.capacity)

    @property
    def expected_ratio(self) -> Decimal | None:
        return ratio(self.expected, self.capacity)

    @property
    def overloaded(self) -> bool:
        """More demand than places (C5): chosen more often than it has places, or more expected from the
        whole queue than places — as the figures per place beside it show (> 1)."""
        return max(self.chosen, self.expected) > self.capacity

    @property
    def on_map(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class Load:
    kindergartens: list[KindergartenLoad]
    answered: int  # applicants who answered
    queued: int  # applications of the locality in the queue now


def _sort_key(row: KindergartenLoad) -> tuple[int, Decimal, int, str]:
    # No place at all but chosen: the most overloaded of all.
    unbounded = 1 if row.capacity == 0 and row.chosen else 0
    return (-unbounded, -(row.ratio or Decimal(0)), -row.chosen, row.name)


def kindergarten_load(*, campaign: Campaign) -> Load:
    """Every active kindergarten of the campaign's locality (and any other one chosen), most loaded first:
    three aggregate queries and one for the organisations."""
    choices = {
        row["organisation"]: row
        for row in ResponseKindergarten.objects.filter(response__campaign=campaign)
        .order_by()
        .values("organisation")
        .annotate(chosen=Count("pk"), first=Count("pk", filter=Q(rank=1)))
    }
    capacity = dict(
        Group.objects.filter(organisation__locality_id=campaign.locality_id, is_active=True)
        .order_by()
        .values("organisation")
        .annotate(total=Sum("capacity"))
        .values_list("organisation", "total")
    )
    answered = Response.objects.filter(campaign=campaign).count()
    queued = Application.objects.filter(
        locality_id=campaign.locality_id, status=Application.Status.QUEUED
    ).count()
    organisations = Organisation.objects.filter(
        Q(is_active=True) | Q(pk__in=list(choices)), locality_id=campaign.locality_id
    ).only("name_ru", "name_kk", "latitude", "longitude")
    rows = []
    for organisation in organisations:
        chosen = choices.get(organisation.pk, {})
        first = chosen.get("first", 0)
        rows.append(
            KindergartenLoad(
                organisation_id=organisation.pk,
                name=organisation.name,
                latitude=organisation.latitude,
                longitude=organisation.longitude,
                chosen=chosen.get("chosen", 0),
                first_choice=first,
                capacity=capacity.get(organisation.pk) or 0,
                expected=(2 * first * queued + answered) // (2 * answered) if answered else 0,  # half up
            )
        )
    return Load(kindergartens=sorted(rows, key=_sort_key), answered=answered, queued=queued)


@dataclass(frozen=True)
class District:
    """One cell of the map's grid (row 0 is the north, column 0 the west) and its kindergartens' load."""

    row: int
    col: int
    kindergartens: int
    chosen: int
    capacity: int

    @property
    def ratio(self) -> Decimal | None:
        return ratio(self.chosen, self.capacity)

    @property
    def overloaded(self) -> bool:
        return self.chosen > self.capacity


@dataclass(frozen=True)
class Bounds:
    south: Decimal
    north: Decimal
    west: Decimal
    east: Decimal


def bounds(rows: Iterable[KindergartenLoad]) -> Bounds | None:
    """The bounding box of the kindergartens with coordinates (None when none has any)."""
    placed = [row for row in rows if row.on_map]
    if not placed:
        return None
    lats = [row.latitude for row in placed if row.latitude is not None]
    lons = [row.longitude for row in placed if row.longitude is not None]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    # One point, or all on one line: a box of about a kilometre around them, so the grid has an extent.
    if north == south:
        south, north = south - MIN_SPAN, north + MIN_SPAN
    if east == west:
        west, east = west - MIN_SPAN, east + MIN_SPAN
    return Bounds(south=south, north=north, west=west, east=east)


def _cell(value: Decimal, low: Decimal, high: Decimal, size: int) -> int:
    if high == low:
        return 0
    return min(int((value - low) / (high - low) * size), size - 1)


def districts(rows: Sequence[KindergartenLoad], *, size: int = GRID) -> list[District]:
    """The `size` × `size` cells of the bounding box, each with the summed choices and capacity of the
    kindergartens in it (empty cells too: the map draws them all)."""
    box = bounds(rows)
    if box is None:
        return []
    chosen: Counter[tuple[int, int]] = Counter()
    capacity: Counter[tuple[int, int]] = Counter()
    count: Counter[tuple[int, int]] = Counter()
    for row in rows:
        if row.latitude is None or row.longitude is None:
            continue
        key = (
            size - 1 - _cell(row.latitude, box.south, box.north, size),
            _cell(row.longitude, box.west, box.east, size),
        )
        chosen[key] += row.chosen
        capacity[key] += row.capacity
        count[key] += 1
    return [
        District(row=r, col=c, kindergartens=count[(r, c)], chosen=chosen[(r, c)], capacity=capacity[(r, c)])
        for r in range(size)
        for c in range(size)
    ]


# ------------------------------------------------------------------------------------- distributions


@dataclass(frozen=True)
class Option:
    code: str
    label: Label
    count: int
    share: Decimal | None  # percent of the distribution's total


@dataclass(frozen=True)
class Distribution:
    """The answers to one question: a count and a share per option. `total` is what the shares are of (the
    applicants who answered the question); for the questions with several choices the shares add up to
    more than 100."""

    slug: str
    title: Label
    total: int
    options: list[Option]


def _distribution(
    slug: str, title: Label, total: int, counts: Counter[str], labels: Iterable[tuple[str, Label]]
) -> Distribution:
    return Distribution(
        slug=slug,
        title=title,
        total=total,
        options=[Option(code, label, counts[code], percent(counts[code], total)) for code, label in labels],
    )


def payment_label(band: int) -> str:
    amount = f"{band:,}".replace(",", "\u00a0")
    return str(_("up to %(amount)s ₸") % {"amount": amount})


def median_band(counts: Counter[int] | dict[int, int]) -> int | None:
    """The payment band of the middle answer (the lower one of the two middles of an even number)."""
    total = sum(counts.values())
    if not total:
        return None
    seen = 0
    for band in sorted(counts):
        seen += counts[band]
        if seen * 2 >= total:
            return band
    return None  # pragma: no cover - unreachable: the loop reaches the total


def answer_distributions(*, campaign: Campaign) -> list[Distribution]:
    """Questions 2–6 of the campaign's answers: ownership, the reason given for state or private, language,
    the payment bands, the activities (with "other") and the digital services. Two queries: one grouped
    count of the single-choice answers, one stream of the multiple-choice lists."""
    responses = Response.objects.filter(campaign=campaign).order_by()
    ownership: Counter[str] = Counter()
    reason: Counter[str] = Counter()
    language: Counter[str] = Counter()
    payment: Counter[str] = Counter()
    for row in responses.values("ownership", "ownership_reason", "language", "max_payment").annotate(
        n=Count("pk")
    ):
        ownership[row["ownership"]] += row["n"]
        if row["ownership_reason"]:
            reason[f"{row['ownership']}:{row['ownership_reason']}"] += row["n"]
        language[row["language"]] += row["n"]
        payment[str(row["max_payment"])] += row["n"]
    answered = sum(ownership.values())
    activities: Counter[str] = Counter()
    digital: Counter[str] = Counter()
    for chosen, services, other in responses.values_list("activities", "digital", "activity_other").iterator(
        chunk_size=STREAM_CHUNK
    ):
        activities.update(set(chosen or ()))
        digital.update(set(services or ()))
        if other:
            activities["other"] += 1
    Own = questions.Ownership
    reasons = [
        (f"{own}:{why}", _("%(ownership)s: %(reason)s") % {"ownership": own.label, "reason": why.label})
        for own in (Own.STATE, Own.PRIVATE)
        for why in questions.OwnershipReason
    ]
    return [
        _distribution("ownership", _("Form of ownership (question 2)"), answered, ownership, Own.choices),
        _distribution(
            "ownership-reason", _("Why state or private (question 2)"), sum(reason.values()), reason, reasons
        ),
        _distribution(
            "language",
            _("Language of education (question 3)"),
            answered,
            language,
            questions.Language.choices,
        ),
        _distribution(
            "payment",
            _("The most a family can pay a month (question 4)"),
            answered,
            payment,
            [(str(band), payment_label(band)) for band in questions.PAYMENT_BANDS],
        ),
        _distribution(
            "activities",
            _("Extra activities (question 5)"),
            answered,
            activities,
            [*questions.Activity.choices, ("other", _("other (written in)"))],
        ),
        _distribution(
            "digital", _("Digital services (question 6)"), answered, digital, questions.Digital.choices
        ),
    ]


# --------------------------------------------------------------------------------------------- trends


@dataclass(frozen=True)
class Trend:
    """One campaign of a locality, for the comparison between campaigns."""

    campaign: Campaign
    notified: int
    answered: int
    stop_listed: int
    state: int
    private: int
    kazakh: int
    russian: int
    median_payment: int | None

    @property
    def confirmed_share(self) -> Decimal | None:
        return percent(self.answered, self.notified)

    def of_answers(self, count: int) -> Decimal | None:
        """`count` of the campaign's answers, in percent."""
        return percent(count, self.answered)


def campaign_trends(*, locality: Locality | int) -> list[Trend]:
    """Every campaign of the locality, oldest first, with its main figures: two aggregate queries."""
    answers = "responses"
    campaigns = (
        Campaign.objects.filter(locality=locality)
        .order_by("starts_at")
        .annotate(
            answered=Count(answers),
            state=Count(answers, filter=Q(responses__ownership=questions.Ownership.STATE)),
            private=Count(answers, filter=Q(responses__ownership=questions.Ownership.PRIVATE)),
            kazakh=Count(answers, filter=Q(responses__language=questions.Language.KAZAKH)),
            russian=Count(answers, filter=Q(responses__language=questions.Language.RUSSIAN)),
        )
    )
    payments: dict[int, Counter[int]] = {}
    for row in (
        Response.objects.filter(campaign__locality=locality)
        .order_by()
        .values("campaign", "max_payment")
        .annotate(n=Count("pk"))
    ):
        payments.setdefault(row["campaign"], Counter())[row["max_payment"]] = row["n"]
    return [
        Trend(
            campaign=campaign,
            notified=campaign.notified_count,
            answered=campaign.answered,
            stop_listed=campaign.stop_listed_count,
            state=campaign.state,
            private=campaign.private,
            kazakh=campaign.kazakh,
            russian=campaign.russian,
            median_payment=median_band(payments.get(campaign.pk, Counter())),
        )
        for campaign in campaigns
    ]
