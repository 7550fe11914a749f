"""A locality under policy voucher (E30), its kindergartens and queue."""

import datetime as dt
import itertools

from kezek.facilities.models import Group, Locality
from kezek.placement import services as placement
from kezek.waitlist.models import Application
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory, RegistryPersonFactory
from tests.factories import register_application as register

ALMATY = dt.timezone(dt.timedelta(hours=5))
_days = itertools.count()


def voucher_locality() -> Locality:
    locality = LocalityFactory.create()
    placement.placement_settings_update(locality=locality, distribution_policy="voucher")  # with its event
    return locality


def kindergarten(locality: Locality, *, capacity: int = 1, publish: bool = True) -> Group:
    organisation = OrganisationFactory.create(locality=locality)
    group = GroupFactory.create(organisation=organisation, age_from=2, age_to=3, capacity=capacity)
    if publish:
        placement.places_publish(group=group)
    return group


def queue(locality: Locality, n: int, tier: str = "general") -> list[Application]:
    return [
        register(
            locality=locality,
            child=RegistryPersonFactory.create(
                birth_date=dt.date(2024, 1, 1) + dt.timedelta(days=next(_days) % 300)
            ),
            tier=tier,
        )
        for _ in range(n)
    ]
