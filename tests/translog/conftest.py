"""A locality lived through the services (the integrity check's world, more kinds); the log's key is the
suite's fixed one (tests/log_key.py, tests/conftest.py)."""

import datetime as dt

import pytest
import time_machine

from kezek.confirmation import services as confirmation
from kezek.facilities import services as facilities
from tests.factories import OrganisationFactory
from tests.factories.staff import staff_user
from tests.integrity.conftest import MONDAY, World
from tests.integrity.conftest import world as integrity_world  # noqa: F401 — the fixture
from tests.log_key import ORIGIN, VKEY  # noqa: F401 — the tests here import them from this module


@pytest.fixture
def world(integrity_world: World) -> World:  # noqa: F811
    """The integrity check's world, plus organisation, group and campaign events."""
    with time_machine.travel(MONDAY + dt.timedelta(days=41), tick=False):
        operator = staff_user(locality=integrity_world.locality)
        organisation = OrganisationFactory.create(locality=integrity_world.locality)
        facilities.organisation_update(
            organisation=organisation, by_staff=operator, address="ул. Абая, 1", phone="+77010000000"
        )
        facilities.group_update(group=integrity_world.group, by_staff=operator, name="Балапан")
        campaign = confirmation.campaign_launch(locality=integrity_world.locality, by_staff=operator)
        confirmation.campaign_extend(
            campaign=campaign, ends_at=campaign.ends_at + dt.timedelta(days=3), by_staff=operator
        )
    return integrity_world
