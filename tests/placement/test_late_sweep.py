"""Reads do not wait for the sweep (P5): a direction past its deadline reads as expired and its seat as free
— in priority or general access as the sweep will publish it — before `tick` runs, and the same after."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from kezek.core.errors import Conflict
from kezek.core.tick import tick_run
from kezek.facilities.models import Group
from kezek.ledger.models import LedgerEvent
from kezek.placement import selectors, services
from kezek.placement.models import Direction, Place, Publication
from kezek.waitlist.models import Application
from kezek.waitlist.selectors import check_queue
from tests.cabinet.test_api import sign_in
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory, RegistryPersonFactory
from tests.factories import register_application as register

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)
DEADLINE = dt.datetime(2026, 12, 15, 0, 0, tzinfo=ALMATY)  # 5 working days: 7, 8, 9, 10, 11 December
WINDOW_FROM_DEADLINE = dt.datetime(2026, 12, 16, 7, 0, tzinfo=ALMATY)


@pytest.fixture(autouse=True)
def quick_resend(settings: Any) -> None:
    settings.OTP_RESEND_INTERVAL_SECONDS = 0


def group_of(capacity: int) -> Group:
    organisation = OrganisationFactory.create(locality=LocalityFactory.create())
    return GroupFactory.create(organisation=organisation, capacity=capacity, language="ru")


def queue(group: Group, n: int) -> list[Application]:
    return [
        register(
            locality=group.organisation.locality,
            child=RegistryPersonFactory.create(birth_date=dt.date(2024, 2, 1) + dt.timedelta(days=i)),
        )
        for i in range(n)
    ]


def reads(group: Group) -> tuple[Any, ...]:
    """Every read of free places, as (general, priority) pairs: the model, the passport API, the search."""
    model = [(r.general, r.priority) for r in selectors.free_places(organisation_id=group.organisation_id)]
    client = Client()
    passport = client.get("/api/v1/free-places", {"organisation": group.organisation_id}).json()["ranges"]
    search = client.get("/api/v1/free-places/search", {"locality": group.organisation.locality.code}).json()
    return (
        model,
        [(r["general"], r["priority"], r["general_by_language"]) for r in passport],
        [(r["general"], r["priority"]) for r in search],
    )


def expect(general: int, priority: int) -> tuple[Any, ...]:
    by_language = {"ru": general} if general else {}
    return ([(general, priority)], [(general, priority, by_language)], [(general, priority)])


def direction_states(group: Group, holder: Application) -> tuple[str, str]:
    """The direction's state in the parent's cabinet and in the open-data protocol (O3)."""
    cabinet = Client()
    assert sign_in(cabinet, holder) == 200
    (mine,) = cabinet.get("/api/v1/cabinet/directions").json()
    protocol = Client().get(f"/api/v1/open-data/{group.organisation.locality.code}/directions").json()
    return mine["state"], protocol["items"][0]["state"]


@pytest.mark.parametrize(
    ("policy", "now", "general", "priority"),
    [
        # The window of a seat freed at the deadline ended on 16 December, 07:00: general access.
        ("window", dt.datetime(2026, 12, 17, 10, 0, tzinfo=ALMATY), 1, 0),
        # Just past the deadline: in the priority window that started with it.
        ("window", DEADLINE + dt.timedelta(seconds=1), 0, 1),
        # Policy `offer`: the seat is offered to the next in line, whenever the sweep comes.
        ("offer", dt.datetime(2026, 12, 17, 10, 0, tzinfo=ALMATY), 0, 1),
    ],
)
def test_an_overdue_direction_reads_expired_and_its_seat_free_before_the_sweep(
    policy: str, now: dt.datetime, general: int, priority: int
) -> None:
    group = group_of(1)
    with time_machine.travel(MONDAY, tick=False):
        services.placement_settings_update(locality=group.organisation.locality, distribution_policy=policy)
        holder, next_in_line = queue(group, 2)
        services.places_publish(group=group)
        direction = services.direction_take(application=holder, group=group, applicant=holder.applicant)
        assert direction.valid_until == DEADLINE
        assert reads(group) == ([], [], [])  # no free place
    with time_machine.travel(now, tick=False):
        events = LedgerEvent.objects.count()
        assert reads(group) == expect(general, priority)
        assert direction_states(group, holder) == ("expired", "expired")
        # Reads wrote nothing: the sweep has not run.
        assert Direction.objects.get(pk=direction.pk).state == "awaiting_enrollment"
        assert LedgerEvent.objects.count() == events

        assert tick_run()["placement.directions_expire"] == 1
        assert reads(group) == expect(general, priority)
        assert direction_states(group, holder) == ("expired", "expired")
        republished = Publication.objects.filter(group=group).latest("pk")
        holders = list(republished.holders.values_list("application_id", flat=True))
        if general:  # the window was over when the seat came back: anyone eligible may take it at once
            assert (republished.priority_until, holders) == (now, [])
            services.direction_take(application=next_in_line, group=group, applicant=next_in_line.applicant)
        else:
            assert holders == [next_in_line.pk]
            if policy == "window":
                assert republished.priority_until == WINDOW_FROM_DEADLINE


def test_after_a_lowered_capacity_only_the_seats_the_sweep_will_publish_read_free() -> None:
    group = group_of(2)
    with time_machine.travel(MONDAY, tick=False):
        first, second = queue(group, 2)
        services.places_publish(group=group)
        for application in (first, second):
            services.direction_take(application=application, group=group, applicant=application.applicant)
    Group.objects.filter(pk=group.pk).update(capacity=1)  # no publication: nothing is unaccounted for
    with time_machine.travel(dt.datetime(2026, 12, 17, 10, 0, tzinfo=ALMATY), tick=False):
        assert reads(group) == expect(1, 0)
        assert tick_run()["placement.directions_expire"] == 2
        assert reads(group) == expect(1, 0)
        assert Place.objects.filter(group=group, status="open").count() == 1


def test_an_overdue_direction_cannot_be_declined_to_escape_the_stop_list() -> None:
    group = group_of(1)
    with time_machine.travel(MONDAY, tick=False):
        (holder,) = queue(group, 1)
        services.places_publish(group=group)
        direction = services.direction_take(application=holder, group=group, applicant=holder.applicant)
    with time_machine.travel(DEADLINE + dt.timedelta(hours=1), tick=False):
        with pytest.raises(Conflict):
            services.direction_decline(direction=direction, applicant=holder.applicant)
        tick_run()
        assert Direction.objects.get(pk=direction.pk).state == "expired"
        assert Application.objects.get(pk=holder.pk).status == "stop_listed"


def test_before_the_sweep_a_seat_that_reads_free_can_be_taken_and_the_figures_count_it() -> None:
    group = group_of(1)
    with time_machine.travel(MONDAY, tick=False):
        holder, next_in_line = queue(group, 2)
        services.places_publish(group=group)
        services.direction_take(application=holder, group=group, applicant=holder.applicant)
    locality = group.organisation.locality.code
    with time_machine.travel(dt.datetime(2026, 12, 17, 10, 0, tzinfo=ALMATY), tick=False):
        assert reads(group) == expect(1, 0)
        assert Client().get(f"/api/v1/open-data/{locality}/figures").json()["free_places"] == 1
        # No tick: taking the place first applies the overdue expiry the reads already show.
        taken = services.direction_take(
            application=next_in_line, group=group, applicant=next_in_line.applicant
        )
        assert taken.state == "awaiting_enrollment"
        assert Application.objects.get(pk=holder.pk).status == "stop_listed"
        assert Client().get(f"/api/v1/open-data/{locality}/figures").json()["free_places"] == 0


def test_an_overdue_restoration_is_in_the_queue_for_publications_and_takes_a_place() -> None:
    group = group_of(1)
    with time_machine.travel(MONDAY, tick=False):
        (holder,) = queue(group, 1)
        services.places_publish(group=group)
        services.direction_take(application=holder, group=group, applicant=holder.applicant)
    with time_machine.travel(dt.datetime(2026, 12, 17, 10, 0, tzinfo=ALMATY), tick=False):
        tick_run()  # expired: the holder is stop-listed until its restoration date
    entry = holder.stop_list_entries.get(restored_at__isnull=True)
    assert entry.restore_on is not None
    restore_day = dt.datetime.combine(entry.restore_on, dt.time(12), tzinfo=ALMATY)
    with time_machine.travel(restore_day, tick=False):  # no tick: the restoration is overdue
        second = GroupFactory.create(organisation=group.organisation, capacity=1, language="ru")
        publication = services.places_publish(group=second)
        assert publication is not None
        assert list(publication.holders.values_list("application_id", flat=True)) == [holder.pk]
        services.direction_take(application=holder, group=second, applicant=holder.applicant)
        assert Application.objects.get(pk=holder.pk).status == "referred"
        entry.refresh_from_db()
        assert entry.restored_at is not None


def test_the_check_shows_an_application_with_an_overdue_direction_stop_listed_before_the_sweep() -> None:
    group = group_of(1)
    with time_machine.travel(MONDAY, tick=False):
        (holder,) = queue(group, 1)
        services.places_publish(group=group)
        services.direction_take(application=holder, group=group, applicant=holder.applicant)
        (before,) = check_queue(iin=holder.child.iin)
        assert before.status == "referred"
    with time_machine.travel(DEADLINE + dt.timedelta(hours=1), tick=False):
        (late,) = check_queue(iin=holder.child.iin)
        assert (late.status, late.position) == ("stop_listed", None)
        assert Application.objects.get(pk=holder.pk).status == "referred"  # the read wrote nothing
        tick_run()
        assert check_queue(iin=holder.child.iin) == [late]
