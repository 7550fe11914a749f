"""The department's analytics of the yearly confirmation (C5) on a small hand-made data set: exact counts,
ratios and shares. `answered_world` builds it (the back-office tests use it too).

Two campaigns of one locality: 2025 (two applicants asked, one answers, one is stop-listed) and 2026 (five
applicants asked, four answer; read while it runs). Kindergartens: A (10 places, two active groups and a
closed one), B (2 places), C (no group, no coordinates), E (5 places, never chosen), D (inactive).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import translation

from kezek.confirmation import analytics, services
from kezek.confirmation.models import Campaign
from kezek.confirmation.services import Answers
from kezek.facilities.models import Locality, Organisation
from kezek.waitlist.models import Application
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory

from .conftest import ALMATY, LAUNCH, child_application

pytestmark = pytest.mark.django_db

RUNNING = dt.datetime(2026, 10, 15, 12, 0, tzinfo=ALMATY)  # the 2026 campaign is running


@dataclass
class AnsweredWorld:
    locality: Locality
    a: Organisation
    b: Organisation
    c: Organisation
    e: Organisation
    earlier: Campaign  # 2025, closed
    campaign: Campaign  # 2026, running at RUNNING
    applications: list[Application]


def _kindergarten(locality: Locality, lat: str | None, lon: str | None, *capacities: int) -> Organisation:
    organisation = OrganisationFactory.create(
        locality=locality,
        latitude=Decimal(lat) if lat else None,
        longitude=Decimal(lon) if lon else None,
    )
    for capacity in capacities:
        GroupFactory.create(organisation=organisation, capacity=capacity)
    return organisation


def answers(
    *kindergartens: Organisation,
    ownership: str = "state",
    reason: str = "cost",
    language: str = "kk",
    payment: int = 25_000,
    activities: tuple[str, ...] = (),
    other: str = "",
    digital: tuple[str, ...] = (),
) -> Answers:
    return Answers(
        kindergartens=tuple(k.pk for k in kindergartens),
        ownership=ownership,
        ownership_reason=reason,
        language=language,
        max_payment=payment,
        activities=activities,
        activity_other=other,
        digital=digital,
    )


def answered_world(locality: Locality | None = None) -> AnsweredWorld:
    """The data set of this module (time travels inside; call it outside any travel)."""
    locality = locality or LocalityFactory.create()
    staff = User.objects.create(username=f"launcher-{locality.pk}")
    a = _kindergarten(locality, "50.000000", "80.000000", 6, 4)
    GroupFactory.create(
        organisation=a,
        capacity=50,
        is_active=False,
        closed_at=dt.datetime(2025, 1, 10, tzinfo=ALMATY),
        closed_reason="Closed for repairs",
    )
    b = _kindergarten(locality, "50.400000", "80.400000", 2)
    c = _kindergarten(locality, None, None)
    e = _kindergarten(locality, "50.100000", "80.300000", 5)
    OrganisationFactory.create(locality=locality, is_active=False)  # D

    with time_machine.travel(dt.datetime(2025, 3, 3, 10, 0, tzinfo=ALMATY), tick=False):
        first = child_application(locality, born=dt.date(2023, 4, 1))
        forgetter = child_application(locality, born=dt.date(2022, 4, 1))
    with time_machine.travel(dt.datetime(2025, 10, 1, 9, 0, tzinfo=ALMATY), tick=False):
        earlier = services.campaign_launch(locality=locality, by_staff=staff)
        services.campaign_notify(campaign=earlier)
    with time_machine.travel(dt.datetime(2025, 10, 10, 9, 0, tzinfo=ALMATY), tick=False):
        services.questionnaire_submit(
            campaign=earlier,
            applicant=first.applicant,
            answers=answers(a, ownership="private", reason="quality", language="ru", payment=70_000),
        )
    with time_machine.travel(dt.datetime(2025, 11, 2, 9, 0, tzinfo=ALMATY), tick=False):
        services.campaign_sweep(campaign=earlier)
    with time_machine.travel(dt.datetime(2025, 12, 1, 10, 0, tzinfo=ALMATY), tick=False):
        second = child_application(locality, born=dt.date(2023, 6, 1))
        third = child_application(locality, born=dt.date(2024, 1, 10))
        fourth = child_application(locality, born=dt.date(2024, 2, 10))
        silent = child_application(locality, born=dt.date(2024, 3, 10))
        young = child_application(locality, born=dt.date(2025, 6, 1))
    with time_machine.travel(LAUNCH, tick=False):
        campaign = services.campaign_launch(locality=locality, by_staff=staff)
        services.campaign_notify(campaign=campaign)
    with time_machine.travel(dt.datetime(2026, 10, 10, 9, 0, tzinfo=ALMATY), tick=False):
        given = [
            (
                first,
                answers(
                    a,
                    b,
                    activities=("chess", "football"),
                    other="домбыра",
                    digital=("attendance", "ios_app"),
                ),
            ),
            (
                second,
                answers(
                    b,
                    a,
                    ownership="private",
                    reason="quality",
                    language="ru",
                    payment=50_000,
                    activities=("chess",),
                    digital=("attendance",),
                ),
            ),
            (third, answers(b, ownership="any", reason="", payment=10_000)),
            (fourth, answers(c, b, a, reason="quality", activities=("karate",), digital=("meals",))),
        ]
        for application, given_answers in given:
            services.questionnaire_submit(
                campaign=campaign, applicant=application.applicant, answers=given_answers
            )
    earlier.refresh_from_db()
    campaign.refresh_from_db()
    return AnsweredWorld(
        locality=locality,
        a=a,
        b=b,
        c=c,
        e=e,
        earlier=earlier,
        campaign=campaign,
        applications=[first, forgetter, second, third, fourth, silent, young],
    )


@pytest.fixture
def world() -> AnsweredWorld:
    return answered_world()


def test_campaign_rows_and_progress(world: AnsweredWorld) -> None:
    assert world.earlier.notified_count == 2
    assert world.earlier.stop_listed_count == 1
    assert world.campaign.notified_count == 5
    now = RUNNING
    rows = analytics.campaign_rows(campaigns=Campaign.objects.filter(locality=world.locality), now=now)
    by_year = {row.campaign.year: row for row in rows}
    assert by_year[2026].state == Campaign.State.RUNNING
    assert by_year[2026].answered == 4
    assert by_year[2026].unconfirmed == 1  # the silent applicant's application
    assert by_year[2025].state == Campaign.State.CLOSED
    assert by_year[2025].answered == 1
    assert by_year[2025].unconfirmed is None
    single = analytics.campaign_row(campaign=world.campaign, now=now)
    assert (single.state, single.answered, single.unconfirmed) == ("running", 4, 1)


def test_kindergarten_load(world: AnsweredWorld) -> None:
    load = analytics.kindergarten_load(campaign=world.campaign)
    assert (load.answered, load.queued) == (4, 6)  # the forgetter stays stop-listed since 2025
    rows = {row.organisation_id: row for row in load.kindergartens}
    assert [row.organisation_id for row in load.kindergartens] == [
        world.c.pk,
        world.b.pk,
        world.a.pk,
        world.e.pk,
    ]
    a, b, c, e = rows[world.a.pk], rows[world.b.pk], rows[world.c.pk], rows[world.e.pk]
    assert (a.chosen, a.first_choice, a.capacity, a.ratio) == (3, 1, 10, Decimal("0.30"))
    assert (b.chosen, b.first_choice, b.capacity, b.ratio) == (4, 2, 2, Decimal("2.00"))
    assert (c.chosen, c.first_choice, c.capacity, c.ratio) == (1, 1, 0, None)
    assert (e.chosen, e.first_choice, e.capacity, e.ratio) == (0, 0, 5, Decimal("0.00"))
    # First choices extrapolated to the 6 queued applications: 1 of 4 → 1.5 → 2, 2 of 4 → 3.
    assert (a.expected, b.expected, c.expected, e.expected) == (2, 3, 2, 0)
    assert b.expected_ratio == Decimal("1.50")
    assert [row.overloaded for row in load.kindergartens] == [True, True, False, False]
    assert not c.on_map
    assert a.on_map


def test_districts_of_the_map(world: AnsweredWorld) -> None:
    load = analytics.kindergarten_load(campaign=world.campaign)
    cells = analytics.districts(load.kindergartens, size=4)
    assert len(cells) == 16
    occupied = {(cell.row, cell.col): cell for cell in cells if cell.kindergartens}
    assert set(occupied) == {(3, 0), (0, 3), (2, 3)}  # A south-west, B north-east, E east
    south_west, north_east, east = occupied[(3, 0)], occupied[(0, 3)], occupied[(2, 3)]
    assert (south_west.chosen, south_west.capacity, south_west.ratio) == (3, 10, Decimal("0.30"))
    assert (north_east.chosen, north_east.capacity, north_east.overloaded) == (4, 2, True)
    assert (east.chosen, east.capacity, east.overloaded) == (0, 5, False)
    box = analytics.bounds(load.kindergartens)
    assert box is not None
    assert (box.south, box.north, box.west, box.east) == (
        Decimal("50"),
        Decimal("50.4"),
        Decimal("80"),
        Decimal("80.4"),
    )


def test_districts_of_a_single_point_and_of_none() -> None:
    row = analytics.KindergartenLoad(
        organisation_id=1,
        name="x",
        latitude=Decimal("50"),
        longitude=Decimal("80"),
        chosen=2,
        first_choice=1,
        capacity=1,
        expected=0,
    )
    cells = analytics.districts([row], size=2)
    assert [(cell.row, cell.col, cell.kindergartens) for cell in cells if cell.kindergartens] == [(0, 1, 1)]
    assert analytics.districts([], size=4) == []


def test_answer_distributions(world: AnsweredWorld) -> None:
    with translation.override("en"):  # labels are rendered as the distributions are built
        found = {d.slug: d for d in analytics.answer_distributions(campaign=world.campaign)}
    assert list(found) == ["ownership", "ownership-reason", "language", "payment", "activities", "digital"]

    def figures(slug: str) -> dict[str, tuple[int, Decimal | None]]:
        return {option.code: (option.count, option.share) for option in found[slug].options}

    assert figures("ownership") == {
        "any": (1, Decimal("25.0")),
        "state": (2, Decimal("50.0")),
        "private": (1, Decimal("25.0")),
    }
    assert found["ownership-reason"].total == 3
    assert figures("ownership-reason") == {
        "state:quality": (1, Decimal("33.3")),
        "state:cost": (1, Decimal("33.3")),
        "private:quality": (1, Decimal("33.3")),
        "private:cost": (0, Decimal("0.0")),
    }
    assert figures("language") == {"kk": (3, Decimal("75.0")), "ru": (1, Decimal("25.0"))}
    payment = figures("payment")
    assert len(payment) == 12
    assert payment["10000"] == (1, Decimal("25.0"))
    assert payment["25000"] == (2, Decimal("50.0"))
    assert payment["50000"] == (1, Decimal("25.0"))
    assert sum(count for count, _share in payment.values()) == 4
    activities = figures("activities")
    assert activities["chess"] == (2, Decimal("50.0"))
    assert activities["football"] == (1, Decimal("25.0"))
    assert activities["karate"] == (1, Decimal("25.0"))
    assert activities["other"] == (1, Decimal("25.0"))
    assert activities["drawing"] == (0, Decimal("0.0"))
    digital = figures("digital")
    assert len(digital) == 12
    assert (digital["attendance"], digital["ios_app"], digital["meals"]) == (
        (2, Decimal("50.0")),
        (1, Decimal("25.0")),
        (1, Decimal("25.0")),
    )
    labels = {option.code: str(option.label) for option in found["payment"].options}
    assert labels["25000"] == "up to 25\u00a0000 ₸"


def test_distributions_of_a_campaign_without_answers() -> None:
    locality = LocalityFactory.create()
    with time_machine.travel(LAUNCH, tick=False):
        campaign = services.campaign_launch(
            locality=locality, by_staff=User.objects.create(username="launcher")
        )
    for distribution in analytics.answer_distributions(campaign=campaign):
        assert distribution.total == 0
        assert all(option.count == 0 and option.share is None for option in distribution.options)
    assert analytics.kindergarten_load(campaign=campaign).kindergartens == []
    assert analytics.campaign_trends(locality=locality)[0].confirmed_share is None


def test_trends_between_campaigns(world: AnsweredWorld) -> None:
    earlier, current = analytics.campaign_trends(locality=world.locality)
    assert earlier.campaign == world.earlier
    assert current.campaign == world.campaign
    assert (earlier.notified, earlier.answered, earlier.stop_listed, earlier.confirmed_share) == (
        2,
        1,
        1,
        Decimal("50.0"),
    )
    assert (
        earlier.of_answers(earlier.private),
        earlier.of_answers(earlier.russian),
        earlier.median_payment,
    ) == (
        Decimal("100.0"),
        Decimal("100.0"),
        70_000,
    )
    assert (current.notified, current.answered, current.stop_listed, current.confirmed_share) == (
        5,
        4,
        0,
        Decimal("80.0"),
    )
    assert (current.of_answers(current.state), current.of_answers(current.private)) == (
        Decimal("50.0"),
        Decimal("25.0"),
    )
    assert (current.of_answers(current.kazakh), current.of_answers(current.russian)) == (
        Decimal("75.0"),
        Decimal("25.0"),
    )
    assert current.median_payment == 25_000


def test_median_band() -> None:
    assert analytics.median_band({}) is None
    assert analytics.median_band({10_000: 1, 20_000: 1}) == 10_000  # the lower middle
    assert analytics.median_band({10_000: 1, 20_000: 2}) == 20_000


def test_launch_audience(world: AnsweredWorld) -> None:
    """A campaign starting now (2027) would ask the applications still queued of children born in 2025 or
    before: all six queued, of six applicants."""
    moment = dt.datetime(2027, 9, 1, 9, 0, tzinfo=ALMATY)
    audience = analytics.launch_audience(locality=world.locality, starts_at=moment)
    assert (audience.applications, audience.applicants, audience.last_cohort) == (6, 6, 2025)
    early = analytics.launch_audience(
        locality=world.locality, starts_at=dt.datetime(2026, 1, 5, tzinfo=ALMATY)
    )
    assert (early.applications, early.last_cohort) == (5, 2024)


@pytest.mark.parametrize(
    ("chosen", "expected", "capacity", "overloaded"),
    [
        (3, 43, 10, True),  # 4.3 expected per place: overloaded, whatever the answers chose
        (12, 5, 10, True),  # chosen more often than places
        (10, 10, 10, False),  # exactly full
        (0, 1, 0, True),  # expected where there is no place
        (0, 0, 0, False),
    ],
)
def test_overloaded_agrees_with_the_figures_per_place(
    chosen: int, expected: int, capacity: int, overloaded: bool
) -> None:
    row = analytics.KindergartenLoad(
        organisation_id=1,
        name="A",
        latitude=None,
        longitude=None,
        chosen=chosen,
        first_choice=chosen,
        capacity=capacity,
        expected=expected,
    )
    assert row.overloaded is overloaded
    per_place = [(row.ratio, chosen), (row.expected_ratio, expected)]
    assert overloaded == any((r is None and n > 0) or (r is not None and r > 1) for r, n in per_place)
