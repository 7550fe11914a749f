"""P2 policy `offer`, P6 siblings, P7 staff children, P3 ages outside the queue."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User

from kezek.core.errors import Conflict, ValidationFailed
from kezek.core.tick import tick_run
from kezek.facilities.models import Group
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.placement import services
from kezek.placement.models import Direction, Enrollment, Place, Publication
from kezek.waitlist.models import Application
from kezek.waitlist.selectors import cohort_order_reference, queue_position
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory, RegistryPersonFactory, basis
from tests.factories import register_application as register
from tests.factories.waitlist import next_phone

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)


@pytest.fixture
def group() -> Group:
    organisation = OrganisationFactory.create(locality=LocalityFactory.create())
    return GroupFactory.create(organisation=organisation, capacity=1)


def toddler(day: int):
    return RegistryPersonFactory.create(birth_date=dt.date(2024, 2, 1) + dt.timedelta(days=day))


@time_machine.travel(MONDAY, tick=False)
def test_offer_moves_to_the_next_in_line_when_unanswered(group: Group) -> None:
    services.placement_settings_update(locality=group.organisation.locality, distribution_policy="offer")
    first, second = (register(locality=group.organisation.locality, child=toddler(n)) for n in (1, 2))
    publication = services.places_publish(group=group)
    assert publication is not None
    assert [h.application_id for h in publication.holders.all()] == [first.pk]
    with time_machine.travel(dt.datetime(2026, 12, 8, 7, 30, tzinfo=ALMATY), tick=False):
        # Window over but no general access under `offer`: the second cannot take it yet.
        with pytest.raises(Conflict):
            services.direction_take(application=second, group=group, applicant=second.applicant)
        assert tick_run()["placement.offers_advance"] == 1
        assert tick_run()["placement.offers_advance"] == 0
        with pytest.raises(Conflict):  # the first's offer is gone
            services.direction_take(application=first, group=group, applicant=first.applicant)
        direction = services.direction_take(application=second, group=group, applicant=second.applicant)
        assert direction.state == "awaiting_enrollment"
    assert LedgerEvent.objects.filter(kind="places.offer_moved").count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_twins_get_directions_together_or_not_at_all(group: Group) -> None:
    locality = group.organisation.locality
    parent = RegistryPersonFactory.create(adult=True)
    phones = (next_phone(), next_phone())
    twin_a = register(locality=locality, child=toddler(10), applicant=parent, phones=phones)
    twin_b = register(locality=locality, child=toddler(10), applicant=parent, phones=phones)
    services.places_publish(group=group)  # one seat only
    with time_machine.travel(dt.datetime(2026, 12, 8, 8, 0, tzinfo=ALMATY), tick=False):
        with pytest.raises(Conflict):
            services.direction_take(application=twin_a, group=group, applicant=twin_a.applicant)
        assert Direction.objects.count() == 0
        assert Place.objects.filter(status="open").count() == 1  # nothing half-taken
        Group.objects.filter(pk=group.pk).update(capacity=2)
        services.places_publish(group=group)
    with time_machine.travel(dt.datetime(2026, 12, 9, 8, 0, tzinfo=ALMATY), tick=False):
        services.direction_take(application=twin_a, group=group, applicant=twin_a.applicant)
    assert set(Direction.objects.values_list("application_id", flat=True)) == {twin_a.pk, twin_b.pk}


@time_machine.travel(MONDAY, tick=False)
def test_staff_child_takes_a_seat_with_a_written_order_and_is_marked(group: Group) -> None:
    staff = User.objects.create(username="head")
    child = toddler(20)
    with pytest.raises(ValidationFailed):
        services.enrollment_staff_child(group=group, child_iin=child.iin, by_staff=staff, basis=basis("x"))
    services.places_publish(group=group)
    order = basis("the head's order, teacher's son")
    with pytest.raises(Conflict) as refused:  # the place is the queue's in its priority window (P2, P7)
        services.enrollment_staff_child(group=group, child_iin=child.iin, by_staff=staff, basis=order)
    assert refused.value.code == "place_in_window"
    assert (Place.objects.get().status, Enrollment.objects.exists()) == ("open", False)
    with time_machine.travel(Publication.objects.get().priority_until, tick=False):
        enrollment = services.enrollment_staff_child(
            group=group, child_iin=child.iin, by_staff=staff, basis=order
        )
    assert enrollment.staff_child
    assert Place.objects.get().status == "filled"
    assert LedgerEvent.objects.filter(kind="enrollment.staff_child").count() == 1
    other = toddler(21)
    with pytest.raises(Conflict):  # no seat left
        services.enrollment_staff_child(
            group=group, child_iin=other.iin, by_staff=staff, basis=basis("the head's order, nurse's son")
        )
    assert Enrollment.objects.count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_staff_children_and_transfers_go_only_into_a_group_of_the_childs_ages(group: Group) -> None:
    """P3 holds outside the queue too: a staff child and a transfer need the target group's ages."""
    staff = User.objects.create(username="head")
    order = basis("the head's order, teacher's son")
    older = GroupFactory.create(organisation=group.organisation, capacity=2, age_from=5, age_to=6)
    child = toddler(20)  # two full years old on MONDAY: group's ages [2, 3)
    with pytest.raises(ValidationFailed) as refused:
        services.enrollment_staff_child(group=older, child_iin=child.iin, by_staff=staff, basis=order)
    assert refused.value.code == "age_mismatch"
    assert not Enrollment.objects.exists()
    enrollment = services.enrollment_staff_child(
        group=group, child_iin=child.iin, by_staff=staff, basis=order
    )
    with pytest.raises(ValidationFailed) as refused:
        services.enrollment_transfer(enrollment=enrollment, to_group=older, by_staff=staff)
    assert refused.value.code == "age_mismatch"
    assert Enrollment.objects.get().group_id == group.pk
    assert not LedgerEvent.objects.filter(kind="enrollment.transferred").exists()
    same_ages = GroupFactory.create(organisation=group.organisation, capacity=1, age_from=2, age_to=3)
    moved = services.enrollment_transfer(enrollment=enrollment, to_group=same_ages, by_staff=staff)
    assert moved.group_id == same_ages.pk


@time_machine.travel(MONDAY, tick=False)
def test_a_new_group_and_a_raised_capacity_publish_their_seats(
    django_capture_on_commit_callbacks: Any,
) -> None:
    organisation = OrganisationFactory.create(locality=LocalityFactory.create())
    with django_capture_on_commit_callbacks(execute=True):
        group = GroupFactory.create(organisation=organisation, capacity=2)
    assert Place.objects.filter(group=group, status="open").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        group.capacity = 5
        group.save()
    assert Place.objects.filter(group=group, status="open").count() == 5
    with django_capture_on_commit_callbacks(execute=True):
        group.save()  # nothing changed: nothing more is published
    assert Place.objects.filter(group=group).count() == 5


@time_machine.travel(MONDAY, tick=False)
def test_a_staff_child_leaves_the_localitys_queue_and_cannot_take_a_direction(group: Group) -> None:
    """P7, P9: enrolment outside the queue closes the child's live applications in the locality (enrolled,
    reason, ledger, Fenwick counts kept) — not in another locality — so the child takes no second place."""
    locality = group.organisation.locality
    child = toddler(30)
    parent = RegistryPersonFactory.create(adult=True)
    phones = (next_phone(), next_phone())
    ahead = register(locality=locality, child=toddler(1))
    mine = register(locality=locality, child=child, applicant=parent, phones=phones)
    behind = register(locality=locality, child=toddler(40))
    elsewhere = register(locality=LocalityFactory.create(), child=child, applicant=parent, phones=phones)
    staff = User.objects.create(username="head")
    services.enrollment_staff_child(
        group=group, child_iin=child.iin, by_staff=staff, basis=basis("the head's order, teacher's son")
    )
    mine.refresh_from_db()
    assert (mine.status, mine.status_reason) == ("enrolled", "staff_child")
    assert Application.objects.get(pk=elsewhere.pk).status == "queued"
    event = LedgerEvent.objects.get(kind="application.enrolled", subject_id=str(mine.pk))
    assert event.payload["reason"] == "staff_child"
    assert LedgerEvent.objects.get(kind="enrollment.staff_child").payload["applications"] == [mine.pk]
    assert ledger_verify().ok
    # The Fenwick counts follow: the two left are 1 and 2, as the reference order says.
    reference = cohort_order_reference(locality_id=locality.pk, cohort=2024)
    assert reference == [ahead.pk, behind.pk]
    assert [queue_position(application=a).position for a in (ahead, behind)] == [1, 2]  # type: ignore[union-attr]
    assert queue_position(application=mine) is None
    second = GroupFactory.create(organisation=group.organisation, capacity=3)
    services.places_publish(group=second)
    general_access = time_machine.travel(dt.datetime(2026, 12, 9, 8, 0, tzinfo=ALMATY), tick=False)
    with general_access, pytest.raises(Conflict) as refused:
        services.direction_take(application=mine, group=second, applicant=mine.applicant)
    assert refused.value.code == "application_not_queued"
    assert not Direction.objects.filter(application=mine).exists()


@time_machine.travel(MONDAY, tick=False)
def test_a_staff_child_holding_a_direction_is_refused_and_nothing_changes(group: Group) -> None:
    """P9: a live direction is used or declined first; the refused enrolment leaves no trace."""
    locality = group.organisation.locality
    child = toddler(30)
    application = register(locality=locality, child=child)
    services.places_publish(group=group)
    services.direction_take(application=application, group=group, applicant=application.applicant)
    other = GroupFactory.create(organisation=group.organisation, capacity=1)
    staff = User.objects.create(username="head")
    with pytest.raises(Conflict) as refused:
        services.enrollment_staff_child(
            group=other,
            child_iin=child.iin,
            by_staff=staff,
            basis=basis("the head's order, teacher's son"),
        )
    assert refused.value.code == "child_referred"
    assert not Enrollment.objects.exists()
    assert Application.objects.get(pk=application.pk).status == "referred"
    assert not LedgerEvent.objects.filter(kind="enrollment.staff_child").exists()
