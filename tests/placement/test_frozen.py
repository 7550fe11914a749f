"""The database freezes a direction's facts (P4, placement 0005): whatever the code path or SQL session,
its issue time, place, group, application, latest validity and code never change; its validity only
grows while it is live, never past what its locality allowed when it was issued; a closed direction
stays closed."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from kezek.core.errors import Conflict
from kezek.facilities.models import Group
from kezek.placement import services
from kezek.placement.models import Direction, Place, PlacementSettings
from kezek.waitlist.models import Application, BenefitClaim
from kezek.waitlist.services import benefit_claim_decide
from tests.factories import (
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    staff_user,
)
from tests.factories import register_application as register
from tests.factories.discretion import basis

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _monday() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def group() -> Group:
    organisation = OrganisationFactory.create(locality=LocalityFactory.create())
    return GroupFactory.create(organisation=organisation, age_from=2, age_to=3, capacity=2)


@pytest.fixture
def queued(group: Group) -> dict[str, Application]:
    """A general and an extraordinary application, both priority holders of the group's two places."""
    applications = {
        tier: register(
            locality=group.organisation.locality,
            child=RegistryPersonFactory.create(birth_date=dt.date(2024, 3, 1)),
            tier=tier,
        )
        for tier in ("general", "extraordinary")
    }
    services.places_publish(group=group)
    return applications


def take(application: Application, group: Group) -> Direction:
    return services.direction_take(application=application, group=group, applicant=application.applicant)


@pytest.fixture
def direction(group: Group, queued: dict[str, Application]) -> Direction:
    return take(queued["general"], group)


def refused(sql: str, params: list[Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def refused_update(direction: Direction, **changes: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Direction.objects.filter(pk=direction.pk).update(**changes)


def test_issue_time_place_group_application_and_code_never_change(direction: Direction, group: Group) -> None:
    other_group = GroupFactory.create(organisation=group.organisation, age_from=2, age_to=3, capacity=1)
    services.places_publish(group=other_group)
    other_place = Place.objects.get(group=other_group)
    other_application = register(locality=group.organisation.locality)
    refused_update(direction, issued_at=F("issued_at") - DAY)
    refused_update(direction, place=other_place)
    refused_update(direction, group=other_group)
    refused_update(direction, application=other_application)
    refused_update(direction, verification_code="forged")
    refused_update(direction, latest_valid_until=F("latest_valid_until") - DAY)
    refused("UPDATE placement_direction SET issued_at = %s WHERE id = %s", [MONDAY + DAY, direction.pk])
    refused("UPDATE placement_direction SET place_id = %s WHERE id = %s", [other_place.pk, direction.pk])
    refused(
        "UPDATE placement_direction SET application_id = %s WHERE id = %s",
        [other_application.pk, direction.pk],
    )
    assert Direction.objects.filter(pk=direction.pk, issued_at=MONDAY, place=direction.place_id).exists()


def test_validity_never_shrinks_and_never_passes_the_locality_limit(direction: Direction) -> None:
    refused_update(direction, valid_until=F("valid_until") - dt.timedelta(seconds=1))
    # 60 days: past the 30 the direction was issued with (CHECK), and its limit is frozen (trigger).
    refused_update(direction, valid_until=MONDAY + 60 * DAY)
    refused_update(direction, valid_until=MONDAY + 60 * DAY, latest_valid_until=MONDAY + 60 * DAY)
    refused(
        "UPDATE placement_direction SET valid_until = %s, latest_valid_until = %s WHERE id = %s",
        [MONDAY + 60 * DAY, MONDAY + 60 * DAY, direction.pk],
    )
    # A forward move within the limit is what an extension writes: the database allows it.
    Direction.objects.filter(pk=direction.pk).update(valid_until=F("latest_valid_until"))


def test_a_direction_valid_longer_than_its_locality_allows_cannot_be_inserted(direction: Direction) -> None:
    place = Place.objects.get(pk=direction.place_id)
    Direction.objects.filter(pk=direction.pk).update(state="declined", closed_at=MONDAY)
    forged = {
        "place_id": place.pk,
        "group_id": direction.group_id,
        "application_id": direction.application_id,
        "state": "awaiting_enrollment",
        "issued_at": MONDAY,
        "valid_until": MONDAY + DAY,
        "verification_code": "forged",
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Direction.objects.create(**forged, latest_valid_until=MONDAY + 30 * DAY + dt.timedelta(seconds=2))
    # The locality's own setting is the limit: 60 days there, then 60 days is allowed.
    PlacementSettings.objects.create(
        locality_id=Application.objects.get(pk=direction.application_id).locality_id, direction_max_days=60
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Direction.objects.create(**forged, latest_valid_until=MONDAY + 61 * DAY)
    Direction.objects.create(**forged, latest_valid_until=MONDAY + 60 * DAY)


def test_a_closed_direction_stays_closed(direction: Direction) -> None:
    services.direction_decline(direction=direction, applicant=direction.application.applicant)
    refused_update(direction, state="awaiting_enrollment", closed_at=None)
    refused_update(direction, state="expired")
    refused_update(direction, closed_at=F("closed_at") + DAY)
    refused_update(direction, reason="quietly rewritten")
    refused_update(direction, valid_until=F("valid_until") + DAY)
    refused(
        "UPDATE placement_direction SET state = 'awaiting_enrollment', closed_at = NULL WHERE id = %s",
        [direction.pk],
    )


def test_no_enrolment_around_the_benefit_confirmation(
    group: Group, queued: dict[str, Application], direction: Direction
) -> None:
    waiting = take(queued["extraordinary"], group)
    assert waiting.state == "benefit_confirmation"
    refused_update(waiting, state="enrolled", closed_at=MONDAY)
    refused_update(direction, state="benefit_confirmation")


def test_the_legitimate_flows_still_write(
    group: Group, queued: dict[str, Application], direction: Direction
) -> None:
    """Extensions up to the limit, benefit decisions, enrolment and expiry: what the services write."""
    applicant = direction.application.applicant
    while True:
        try:
            direction = services.direction_extend(direction=direction, applicant=applicant)
        except Conflict:
            break
    assert direction.valid_until == direction.latest_valid_until == MONDAY + 30 * DAY
    staff = staff_user()
    services.direction_enroll(direction=direction, by_staff=staff)
    waiting = take(queued["extraordinary"], group)
    claim = BenefitClaim.objects.get(application=waiting.application_id)
    benefit_claim_decide(claim=claim, confirm=True, by_staff=staff, basis=basis())
    assert Direction.objects.get(pk=waiting.pk).state == "awaiting_enrollment"
    with time_machine.travel(MONDAY + 20 * DAY, tick=False):
        assert services.directions_expire_due() == 1
    assert Direction.objects.get(pk=waiting.pk).state == "expired"


def test_the_30_day_rule_is_a_check_constraint_in_the_database() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Direction._meta.db_table)
    assert constraints["direction_within_max_days"]["check"]


@pytest.mark.postgres
def test_postgresql_refuses_a_frozen_column_with_restrict_violation(direction: Direction) -> None:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        Direction.objects.filter(pk=direction.pk).update(issued_at=F("issued_at") + DAY)
    assert excinfo.value.__cause__.sqlstate == "23001"  # type: ignore[union-attr]


@pytest.mark.postgres
def test_postgresql_keeps_the_check_with_the_triggers_off(direction: Direction) -> None:
    """The CHECK `direction_within_max_days` holds even for an administrator who switched the triggers
    off (a superuser's `session_replication_role`; the application role may not do it at all)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("needs a superuser to switch triggers off")
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL session_replication_role = replica;"
            " UPDATE placement_direction SET valid_until = %s, latest_valid_until = %s WHERE id = %s",
            [MONDAY + 91 * DAY, MONDAY + 91 * DAY, direction.pk],
        )
    assert excinfo.value.__cause__.sqlstate == "23514"  # type: ignore[union-attr]
    assert "direction_within_max_days" in str(excinfo.value)
