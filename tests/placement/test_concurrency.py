"""P4 exactly once under real concurrency (PostgreSQL, one connection per thread)."""

import datetime as dt

import pytest
import time_machine

from kezek.placement import services
from kezek.placement.models import Direction, Place
from tests.concurrency import run_parallel
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory, RegistryPersonFactory
from tests.factories import register_application as register

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("ledger_agrees"),
]
ALMATY = dt.timezone(dt.timedelta(hours=5))
# The groups (whose seats are published on commit) and the applications are made on this fixed morning,
# before the scenario's dates: made at the real "now" they would lie in its future whenever the suite runs
# later than those dates.
REGISTERED = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ALMATY)


def test_sixty_applicants_race_for_ten_places() -> None:
    with time_machine.travel(REGISTERED, tick=False):
        locality = LocalityFactory.create()
        group = GroupFactory.create(organisation=OrganisationFactory.create(locality=locality), capacity=10)
        apps = [
            register(
                locality=locality,
                child=RegistryPersonFactory.create(birth_date=dt.date(2024, 1, 1) + dt.timedelta(days=n)),
            )
            for n in range(60)
        ]
    with time_machine.travel(dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY), tick=False):
        services.places_publish(group=group)
    with time_machine.travel(dt.datetime(2026, 12, 8, 7, 0, tzinfo=ALMATY), tick=False):  # general access
        outcomes = run_parallel(
            60,
            lambda n: services.direction_take(application=apps[n], group=group, applicant=apps[n].applicant),
        )
    assert outcomes == {"ok": 10, "no_place": 50}
    directions = Direction.objects.filter(group=group)
    assert directions.count() == 10
    assert len({d.place_id for d in directions}) == 10
    assert len({d.application_id for d in directions}) == 10
    assert Place.objects.filter(group=group, status="taken").count() == 10


def test_one_application_clicking_ten_times_gets_one_direction() -> None:
    with time_machine.travel(REGISTERED, tick=False):
        locality = LocalityFactory.create()
        group = GroupFactory.create(organisation=OrganisationFactory.create(locality=locality), capacity=5)
        app = register(locality=locality, child=RegistryPersonFactory.create(birth_date=dt.date(2024, 3, 3)))
    with time_machine.travel(dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY), tick=False):
        services.places_publish(group=group)
        outcomes = run_parallel(
            10, lambda n: services.direction_take(application=app, group=group, applicant=app.applicant)
        )
    assert outcomes["ok"] == 1
    assert sum(outcomes.values()) == 10
    assert set(outcomes) <= {"ok", "direction_exists", "application_not_queued"}
    assert Direction.objects.filter(application=app).count() == 1
    assert Place.objects.filter(group=group, status="open").count() == 4


def test_two_ticks_at_once_expire_each_direction_once() -> None:
    from kezek.core.tick import tick_run
    from kezek.placement.models import Publication
    from kezek.waitlist.models import StopListEntry

    with time_machine.travel(REGISTERED, tick=False):
        locality = LocalityFactory.create()
        group = GroupFactory.create(organisation=OrganisationFactory.create(locality=locality), capacity=6)
        apps = [
            register(
                locality=locality, child=RegistryPersonFactory.create(birth_date=dt.date(2024, 4, 1 + n))
            )
            for n in range(6)
        ]
    with time_machine.travel(dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY), tick=False):
        services.places_publish(group=group)
        for app in apps:
            services.direction_take(application=app, group=group, applicant=app.applicant)
    with time_machine.travel(dt.datetime(2027, 1, 20, 10, 0, tzinfo=ALMATY), tick=False):
        outcomes = run_parallel(4, lambda n: tick_run())
    assert outcomes == {"ok": 4}
    assert Direction.objects.filter(state="expired").count() == 6
    assert StopListEntry.objects.filter(reason="direction_expired").count() == 6
    republished = Publication.objects.filter(group=group, cause="direction_died").values_list(
        "places", flat=True
    )
    assert sum(republished) == 6
    assert Place.objects.filter(group=group, status="open").count() == 6
    assert Place.objects.filter(group=group, status="released").count() == 6
