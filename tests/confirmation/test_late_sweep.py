"""A late `tick` never lets an unconfirmed application take a place: the write paths that choose among
queued applications run the overdue sweep of their locality first."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User

from kezek.confirmation import services
from kezek.facilities.models import Locality, Organisation
from kezek.placement import services as placement
from kezek.placement.models import PriorityHolder
from kezek.waitlist.models import Application
from tests.factories import GroupFactory

from .conftest import ALMATY, LAUNCH, answers_for, child_application

pytestmark = pytest.mark.django_db


def test_publication_after_the_end_skips_the_unconfirmed_before_tick(
    locality: Locality, kindergartens: list[Organisation], operator: User
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY), tick=False):
        forgets = child_application(locality, born=dt.date(2022, 3, 1))  # first in line
        confirms = child_application(locality, born=dt.date(2022, 4, 1))
    with time_machine.travel(LAUNCH, tick=False):
        campaign = services.campaign_launch(locality=locality, by_staff=operator)
        services.questionnaire_submit(
            campaign=campaign, applicant=confirms.applicant, answers=answers_for(kindergartens)
        )
    group = GroupFactory.create(organisation=kindergartens[0], capacity=1, age_from=3, age_to=6)
    with time_machine.travel(campaign.ends_at + dt.timedelta(minutes=5), tick=False):
        publication = placement.places_publish(group=group)
        assert publication is not None
        holders = list(
            PriorityHolder.objects.filter(publication=publication).values_list("application", flat=True)
        )
        assert holders == [confirms.pk]
        assert Application.objects.get(pk=forgets.pk).status == "stop_listed"
