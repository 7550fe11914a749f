"""Publication, priority window, directions, expiry and enrolment (P1–P5), in time-travel."""

import datetime as dt
import itertools

import pytest
import time_machine
from django.contrib.auth.models import User

from kezek.core.errors import Conflict, ValidationFailed
from kezek.core.tick import tick_run
from kezek.facilities.models import Group
from kezek.ledger.selectors import ledger_verify
from kezek.placement import selectors, services
from kezek.placement.models import Direction, Place, Publication
from kezek.waitlist.models import Application
from kezek.waitlist.selectors import queue_position
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory, RegistryPersonFactory, basis
from tests.factories import register_application as register

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)
_days = itertools.count()


def toddler() -> object:
    """A child of 2 full years in December 2026."""
    return RegistryPersonFactory.create(birth_date=dt.date(2024, 1, 1) + dt.timedelta(days=next(_days) % 300))


@pytest.fixture
def group() -> Group:
    locality = LocalityFactory.create()
    organisation = OrganisationFactory.create(locality=locality)
    return GroupFactory.create(organisation=organisation, age_from=2, age_to=3, capacity=3)


def queue(group: Group, n: int, tier: str = "general") -> list[Application]:
    return [
        register(locality=group.organisation.locality, child=toddler(), tier=tier)  # type: ignore[arg-type]
        for _ in range(n)
    ]


@time_machine.travel(MONDAY, tick=False)
def test_publication_window_then_general_access(group: Group) -> None:
    apps = queue(group, 5)
    publication = services.places_publish(group=group)
    assert publication is not None
    assert (publication.places, publication.priority_until) == (
        3,
        dt.datetime(2026, 12, 8, 7, 0, tzinfo=ALMATY),
    )
    assert [h.application_id for h in publication.holders.order_by("rank")] == [a.pk for a in apps[:3]]
    assert services.places_publish(group=group) is None  # nothing unaccounted: idempotent
    # In the window only holders may take.
    with pytest.raises(Conflict):
        services.direction_take(application=apps[4], group=group, applicant=apps[4].applicant)
    direction = services.direction_take(application=apps[0], group=group, applicant=apps[0].applicant)
    assert direction.state == "awaiting_enrollment"
    assert Application.objects.get(pk=apps[0].pk).status == "referred"
    assert queue_position(application=Application.objects.get(pk=apps[1].pk)).position == 1  # type: ignore[union-attr]
    free = selectors.free_places(organisation_id=group.organisation_id)
    assert [(f.general, f.priority) for f in free] == [(0, 2)]
    with time_machine.travel(dt.datetime(2026, 12, 8, 7, 0, tzinfo=ALMATY), tick=False):
        # The window ended at 07:00: general access, computed from the timestamp, no sweep needed.
        assert [
            (f.general, f.priority) for f in selectors.free_places(organisation_id=group.organisation_id)
        ] == [(2, 0)]
        services.direction_take(application=apps[4], group=group, applicant=apps[4].applicant)
        with pytest.raises(Conflict):  # one live direction per application
            services.direction_take(application=apps[4], group=group, applicant=apps[4].applicant)
    assert ledger_verify().ok


@time_machine.travel(MONDAY, tick=False)
def test_direction_expires_after_five_working_days_with_holidays(group: Group) -> None:
    """Issued Mon 7 Dec 2026; 16 Dec is Independence Day: 5 working days end Mon 14 Dec (8,9,10,11,14)."""
    (app,) = queue(group, 1)
    services.places_publish(group=group)
    direction = services.direction_take(application=app, group=group, applicant=app.applicant)
    assert direction.valid_until == dt.datetime(2026, 12, 15, 0, 0, tzinfo=ALMATY)
    extended = services.direction_extend(direction=direction, applicant=app.applicant)
    assert extended.valid_until == dt.datetime(
        2026, 12, 23, 0, 0, tzinfo=ALMATY
    )  # through 15, 17, 18, 21, 22
    with time_machine.travel(dt.datetime(2026, 12, 23, 0, 0, 1, tzinfo=ALMATY), tick=False):
        assert (
            selectors.direction_state(Direction.objects.get(pk=direction.pk)) == "expired"
        )  # before the sweep
        assert tick_run()["placement.directions_expire"] == 1
        assert tick_run()["placement.directions_expire"] == 0
        assert Direction.objects.get(pk=direction.pk).state == "expired"
        app = Application.objects.get(pk=app.pk)
        assert app.status == "stop_listed"
        # The freed place is published again at once (P1, P5).
        assert Place.objects.filter(group=group, status="open").count() == 3
        assert Publication.objects.filter(group=group, cause="direction_died").exists()


@time_machine.travel(MONDAY, tick=False)
def test_extension_is_capped_at_thirty_days(group: Group) -> None:
    (app,) = queue(group, 1)
    services.places_publish(group=group)
    direction = services.direction_take(application=app, group=group, applicant=app.applicant)
    extensions = 0
    while True:
        try:
            direction = services.direction_extend(direction=direction, applicant=app.applicant)
        except Conflict:
            break
        extensions += 1
    # 14 → 22 Dec → 29 Dec → (New Year holidays) capped at 6 Jan 10:00, 30 days after issue.
    assert extensions == 3
    assert direction.valid_until == direction.latest_valid_until == MONDAY + dt.timedelta(days=30)


@time_machine.travel(MONDAY, tick=False)
def test_decline_returns_to_the_queue_and_republishes(group: Group) -> None:
    apps = queue(group, 2)
    services.places_publish(group=group)
    direction = services.direction_take(application=apps[0], group=group, applicant=apps[0].applicant)
    services.direction_decline(direction=direction, applicant=apps[0].applicant)
    assert Application.objects.get(pk=apps[0].pk).status == "queued"
    assert queue_position(application=Application.objects.get(pk=apps[0].pk)).position == 1  # type: ignore[union-attr]
    assert Place.objects.filter(group=group, status="open").count() == 3


@time_machine.travel(MONDAY, tick=False)
def test_enrol_and_depart_publishes_the_seat(group: Group) -> None:
    staff = User.objects.create(username="head")
    apps = queue(group, 4)
    services.places_publish(group=group)
    direction = services.direction_take(application=apps[0], group=group, applicant=apps[0].applicant)
    enrollment = services.direction_enroll(direction=direction, by_staff=staff)
    assert Application.objects.get(pk=apps[0].pk).status == "enrolled"
    assert selectors.unaccounted_seats(group=group) == 0
    with pytest.raises(ValidationFailed):
        services.enrollment_depart(enrollment=enrollment, by_staff=staff, reason="")
    before = Publication.objects.count()
    services.enrollment_depart(enrollment=enrollment, by_staff=staff, reason="moved to Almaty")
    assert Publication.objects.count() == before + 1
    assert Publication.objects.first().cause == "departure"  # type: ignore[union-attr]
    assert ledger_verify().ok


@time_machine.travel(MONDAY, tick=False)
def test_too_old_child_is_not_eligible(group: Group) -> None:
    old = register(
        locality=group.organisation.locality,
        child=RegistryPersonFactory.create(birth_date=dt.date(2021, 5, 5)),
    )
    services.places_publish(group=group)
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False), pytest.raises(ValidationFailed):
        services.direction_take(application=old, group=group, applicant=old.applicant)


@time_machine.travel(MONDAY, tick=False)
def test_benefit_decision_moves_or_revokes_the_waiting_direction(group: Group) -> None:
    from kezek.waitlist.models import BenefitClaim
    from kezek.waitlist.services import benefit_claim_decide

    staff = User.objects.create(username="operator")
    confirmed, rejected = queue(group, 2, tier="extraordinary")
    services.places_publish(group=group)
    first = services.direction_take(application=confirmed, group=group, applicant=confirmed.applicant)
    second = services.direction_take(application=rejected, group=group, applicant=rejected.applicant)
    assert {first.state, second.state} == {"benefit_confirmation"}
    benefit_claim_decide(
        claim=BenefitClaim.objects.get(application=confirmed), confirm=True, by_staff=staff, basis=basis()
    )
    benefit_claim_decide(
        claim=BenefitClaim.objects.get(application=rejected),
        confirm=False,
        by_staff=staff,
        basis=basis("no certificate was shown"),
    )
    assert Direction.objects.get(pk=first.pk).state == "awaiting_enrollment"
    assert Direction.objects.get(pk=second.pk).state == "revoked"
    rejected = Application.objects.get(pk=rejected.pk)
    assert (rejected.status, rejected.tier) == ("stop_listed", "general")
    assert Place.objects.filter(group=group, status="open").count() == 2  # republished at once
    assert ledger_verify().ok


def test_placement_settings_changes_are_ledger_events(group: Group) -> None:
    from kezek.ledger.models import LedgerEvent

    locality = group.organisation.locality
    services.placement_settings_update(locality=locality, priority_hour=9, distribution_policy="window")
    assert selectors.placement_settings(locality=locality).priority_hour == 9
    assert LedgerEvent.objects.filter(kind="placement_settings.changed").count() == 1
    with pytest.raises(ValidationFailed):
        services.placement_settings_update(locality=locality, priority_hour=30)
    with pytest.raises(ValidationFailed):
        services.placement_settings_update(locality=locality, colour="red")
    assert LedgerEvent.objects.filter(kind="placement_settings.changed").count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_replaying_the_ledger_reproduces_directions_and_places(group: Group) -> None:
    from kezek.ledger.models import LedgerEvent

    staff = User.objects.create(username="head")
    apps = queue(group, 5)
    services.places_publish(group=group)
    taken = [services.direction_take(application=a, group=group, applicant=a.applicant) for a in apps[:3]]
    services.direction_decline(direction=taken[0], applicant=apps[0].applicant)
    enrollment = services.direction_enroll(direction=taken[1], by_staff=staff)
    services.enrollment_depart(enrollment=enrollment, by_staff=staff, reason="moved away")
    with time_machine.travel(MONDAY + dt.timedelta(days=30), tick=False):
        tick_run()  # taken[2] expires; its place is published again

    place_state: dict[int, str] = {}
    direction_state: dict[int, str] = {}
    direction_place: dict[int, int] = {}
    closing = {
        "direction.declined": "declined",
        "direction.expired": "expired",
        "direction.revoked": "revoked",
    }
    for event in LedgerEvent.objects.order_by("seq"):
        payload = event.payload
        if event.kind == "places.published":
            place_state.update(dict.fromkeys(payload["places"], "open"))
        elif event.kind == "direction.issued":
            direction_state[int(event.subject_id)] = payload["state"]
            direction_place[int(event.subject_id)] = payload["place"]
            place_state[payload["place"]] = "taken"
        elif event.kind in closing:
            direction_state[int(event.subject_id)] = closing[event.kind]
            place_state[direction_place[int(event.subject_id)]] = "released"
        elif event.kind == "direction.enrolled":
            direction_state[int(event.subject_id)] = "enrolled"
            place_state[direction_place[int(event.subject_id)]] = "filled"
        elif event.kind == "direction.benefit_confirmed":
            direction_state[int(event.subject_id)] = "awaiting_enrollment"
    assert direction_state == dict(Direction.objects.values_list("pk", "state"))
    assert place_state == dict(Place.objects.values_list("pk", "status"))
    assert ledger_verify().ok
