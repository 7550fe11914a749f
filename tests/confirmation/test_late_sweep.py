"""C6: between a campaign's end and its sweep (`tick` alone runs it), the applications the sweep will
stop-list read as stop-listed — no position, not counted in others', no priority, no place — and no request
runs the sweep: taking a place costs as many queries for 5 unconfirmed applications as for 50."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kezek.confirmation import services
from kezek.confirmation.models import Campaign
from kezek.core.errors import Conflict
from kezek.core.tick import tick_run
from kezek.facilities import selectors as facilities
from kezek.facilities.models import Group, Locality, Organisation
from kezek.opendata import selectors as opendata
from kezek.placement import services as placement
from kezek.placement.models import PriorityHolder
from kezek.portal import selectors as portal
from kezek.waitlist import selectors as waitlist
from kezek.waitlist.models import Application
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory

from .conftest import ALMATY, LAUNCH, answers_for, child_application

pytestmark = pytest.mark.django_db
BEFORE = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)


def campaign_with(
    locality: Locality, kindergartens: list[Organisation], operator: User, *, forgetting: int
) -> tuple[Campaign, Application, list[Application]]:
    """A campaign whose `forgetting` first in line do not confirm and whose next does (all born in 2022)."""
    with time_machine.travel(BEFORE, tick=False):
        forget = [
            child_application(locality, born=dt.date(2022, 4, 1) + dt.timedelta(days=i))
            for i in range(forgetting)
        ]
        confirms = child_application(locality, born=dt.date(2022, 3, 1))
    with time_machine.travel(LAUNCH, tick=False):
        campaign = services.campaign_launch(locality=locality, by_staff=operator)
        services.questionnaire_submit(
            campaign=campaign, applicant=confirms.applicant, answers=answers_for(kindergartens)
        )
    return campaign, confirms, forget


def group_in(organisation: Organisation, capacity: int = 1) -> Group:
    return GroupFactory.create(organisation=organisation, capacity=capacity, age_from=3, age_to=6)


def test_a_publication_after_the_end_skips_the_unconfirmed_and_sweeps_nothing(
    locality: Locality, kindergartens: list[Organisation], operator: User
) -> None:
    campaign, confirms, (forgets,) = campaign_with(locality, kindergartens, operator, forgetting=1)
    # The one who forgets is first in line (registered first): the place goes to the one who confirmed.
    with time_machine.travel(campaign.ends_at + dt.timedelta(minutes=5), tick=False):
        publication = placement.places_publish(group=group_in(kindergartens[0]))
        assert publication is not None
        holders = PriorityHolder.objects.filter(publication=publication).values_list("application", flat=True)
        assert list(holders) == [confirms.pk]
        assert Application.objects.get(pk=forgets.pk).status == "queued"  # the request swept nothing
        assert Campaign.objects.get(pk=campaign.pk).swept_at is None
        assert waitlist.effective_status(forgets) == "stop_listed"


def test_an_unconfirmed_application_takes_no_place_in_general_access(
    locality: Locality, kindergartens: list[Organisation], operator: User
) -> None:
    campaign, confirms, (forgets,) = campaign_with(locality, kindergartens, operator, forgetting=1)
    with time_machine.travel(LAUNCH, tick=False):
        group = group_in(kindergartens[0], capacity=2)
        placement.places_publish(group=group)
    with time_machine.travel(campaign.ends_at + dt.timedelta(days=2), tick=False):  # the window is over
        with pytest.raises(Conflict) as refused:
            placement.direction_take(application=forgets, group=group, applicant=forgets.applicant)
        assert refused.value.code == "application_not_queued"
        placement.direction_take(application=confirms, group=group, applicant=confirms.applicant)
        assert Application.objects.get(pk=forgets.pk).status == "queued"  # still for the sweep to do


def test_positions_leave_the_unconfirmed_out_before_the_sweep_and_the_sweep_agrees(
    locality: Locality, kindergartens: list[Organisation], operator: User
) -> None:
    with time_machine.travel(BEFORE, tick=False):
        early = child_application(locality, born=dt.date(2022, 1, 1))
        priority = child_application(locality, born=dt.date(2022, 1, 2), tier="first_priority")
    campaign, confirms, forget = campaign_with(locality, kindergartens, operator, forgetting=3)
    with time_machine.travel(LAUNCH, tick=False):
        for application in (early, priority):
            services.questionnaire_submit(
                campaign=campaign, applicant=application.applicant, answers=answers_for(kindergartens)
            )
        later = child_application(locality, born=dt.date(2022, 9, 1))  # registered during it: not asked

    def reads() -> tuple[Any, Any]:
        checked = [waitlist.check_queue(iin=a.child.iin) for a in (early, priority, confirms, later, *forget)]
        return tuple(checked), waitlist.queue_page(locality=locality, cohort=2022, offset=0, limit=50)

    with time_machine.travel(campaign.ends_at + dt.timedelta(minutes=5), tick=False):
        before = reads()
        statuses = [result.status for (result,) in before[0]]
        assert statuses == ["queued"] * 4 + ["stop_listed"] * 3
        size, rows = before[1]
        assert size == 4
        assert [row.number for row in rows] == [priority.pk, early.pk, confirms.pk, later.pk]  # Q4
        positions = [(result.position, result.cohort_size) for (result,) in before[0][:4]]
        assert positions == [(2, 4), (1, 4), (3, 4), (4, 4)]
        assert all(result.position is None for (result,) in before[0][4:])
        tick_run()
        swept = Application.objects.filter(pk__in=[a.pk for a in forget], status="stop_listed")
        assert swept.count() == 3
        assert reads() == before


def test_a_take_costs_the_same_queries_whatever_the_unswept_campaigns_size(
    kindergartens: list[Organisation], operator: User
) -> None:
    counts = []
    for forgetting in (5, 50):
        locality = LocalityFactory.create()
        organisations = OrganisationFactory.create_batch(2, locality=locality)
        campaign, confirms, _forget = campaign_with(locality, organisations, operator, forgetting=forgetting)
        with time_machine.travel(campaign.ends_at + dt.timedelta(minutes=5), tick=False):
            group = group_in(organisations[0])
            placement.places_publish(group=group)
            with CaptureQueriesContext(connection) as taking:
                placement.direction_take(application=confirms, group=group, applicant=confirms.applicant)
            assert Campaign.objects.get(pk=campaign.pk).swept_at is None
            assert Application.objects.filter(locality=locality, status="stop_listed").count() == 0
        counts.append(len(taking.captured_queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 60, counts


def test_public_counts_leave_the_unconfirmed_out_before_the_sweep_and_the_sweep_agrees(
    locality: Locality, kindergartens: list[Organisation], operator: User
) -> None:
    """The passport's queue size per age and the open-data figures and cohorts (O1, O4) count as C6 says."""
    campaign, _confirms, _forget = campaign_with(locality, kindergartens, operator, forgetting=2)
    organisation = kindergartens[0]
    group_in(organisation)

    def counts() -> tuple[list[int], int, list[opendata.Cohort]]:
        passport = facilities.organisation_passport(organisation_id=organisation.pk)
        return (
            [row.queued for row in portal.passport_places(organisation=passport)],
            opendata.figures(locality=locality).queued,
            opendata.cohort_list(locality=locality),
        )

    with time_machine.travel(campaign.ends_at - dt.timedelta(minutes=5), tick=False):
        assert counts() == ([3], 3, [opendata.Cohort(year=2022, size=3)])
    with time_machine.travel(campaign.ends_at + dt.timedelta(minutes=5), tick=False):
        before = counts()
        assert before == ([1], 1, [opendata.Cohort(year=2022, size=1)])
        tick_run()
        assert Campaign.objects.get(pk=campaign.pk).swept_at is not None
        assert counts() == before
