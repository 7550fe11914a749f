"""No seat may be withheld (P1): `tick` publishes every seat that nobody holds and nobody has published,
whatever freed it — rows written in SQL or by an import included — with its ledger event, once."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kezek.core.tick import tick_run
from kezek.facilities.models import Group
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.placement import selectors
from kezek.placement.models import Enrollment, Place, Publication
from kezek.placement.services import group_capacity_change
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory, RegistryPersonFactory
from tests.factories import register_application as register
from tests.factories.staff import staff_user

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)
SWEEP = "placement.unaccounted_publish"


def imported_group(capacity: int, enrolled: int) -> Group:
    """A full group loaded as an import would: the group and its enrolments written directly, nothing
    published."""
    locality = LocalityFactory.create()
    group = GroupFactory.create(
        organisation=OrganisationFactory.create(locality=locality), age_from=2, age_to=3, capacity=capacity
    )
    for n in range(enrolled):
        child = register(
            locality=locality, child=RegistryPersonFactory.create(birth_date=dt.date(2024, 3, 1 + n))
        )
        Enrollment.objects.create(
            group=group,
            child=child.child,
            staff_child=True,
            staff_reason="import",
            enrolled_on=dt.date(2026, 9, 1),
        )
    return group


def published_events(group: Group) -> list[dict[str, object]]:
    events = LedgerEvent.objects.filter(kind="places.published").order_by("seq")
    return [e.payload for e in events if e.payload["group"] == group.pk]


@time_machine.travel(MONDAY, tick=False)
def test_a_seat_freed_in_sql_is_published_by_the_next_tick_once() -> None:
    group = imported_group(capacity=3, enrolled=3)
    assert tick_run()[SWEEP] == 0  # full: nothing to publish
    first = Enrollment.objects.filter(group=group).order_by("pk").values_list("pk", flat=True)[0]
    Enrollment.objects.filter(pk=first).update(left_on=dt.date(2026, 12, 4))  # a child leaves, in SQL

    assert tick_run()[SWEEP] == 1
    publication = Publication.objects.get(group=group)
    assert (publication.places, publication.cause) == (1, Publication.Cause.UNACCOUNTED)
    assert Place.objects.filter(group=group, status=Place.Status.OPEN).count() == 1
    (event,) = published_events(group)
    assert event["cause"] == "unaccounted"
    assert len(event["places"]) == 1  # type: ignore[arg-type]

    events = LedgerEvent.objects.count()
    assert tick_run()[SWEEP] == 0  # idempotent: nothing more, no event
    assert LedgerEvent.objects.count() == events
    assert selectors.unaccounted_seats(group=group) == 0
    assert ledger_verify().ok


@time_machine.travel(MONDAY, tick=False)
def test_a_deleted_enrolment_and_a_capacity_raised_in_sql_are_published() -> None:
    group = imported_group(capacity=2, enrolled=2)
    Enrollment.objects.filter(group=group).delete()
    Group.objects.filter(pk=group.pk).update(capacity=5)

    assert tick_run()[SWEEP] == 1
    assert Publication.objects.get(group=group).places == 5
    assert tick_run()[SWEEP] == 0


@time_machine.travel(MONDAY, tick=False)
def test_closed_and_over_held_groups_publish_nothing() -> None:
    closed = imported_group(capacity=2, enrolled=0)
    Group.objects.filter(pk=closed.pk).update(is_active=False)
    over = imported_group(capacity=2, enrolled=2)
    Group.objects.filter(pk=over.pk).update(capacity=1)  # below the children: no room, nothing to publish
    assert tick_run()[SWEEP] == 0
    assert not Publication.objects.exists()


@time_machine.travel(MONDAY, tick=False)
def test_the_groups_with_unaccounted_seats_are_found_in_one_statement() -> None:
    imported_group(capacity=1, enrolled=1)  # full
    roomy = [imported_group(capacity=4, enrolled=1) for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        found = list(selectors.groups_with_unaccounted_seats())
    assert len(queries) == 1
    assert [g.pk for g in found] == [g.pk for g in roomy]  # the full group is not among them


@time_machine.travel(MONDAY, tick=False)
def test_a_capacity_change_is_a_ledger_event_and_a_rise_is_published_with_it() -> None:
    group = imported_group(capacity=2, enrolled=1)
    user = staff_user(role="operator", locality=group.organisation.locality)
    group_capacity_change(group=group, capacity=4, by_staff=user)
    changed = LedgerEvent.objects.filter(kind="group.capacity_changed", subject_id=str(group.pk)).get()
    assert changed.payload["capacity"] == [2, 4]
    published = LedgerEvent.objects.filter(kind="places.published").get()
    assert published.seq == changed.seq + 1
    assert Publication.objects.get(group=group).places == 3
