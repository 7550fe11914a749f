"""The kindergarten's back-office (#6): directions awaiting enrolment, enrolment, groups and rosters,
departures (the freed place goes to the public protocol and the passport), staff children (P7); every
page and form only for the kindergarten's own roles and organisation."""

import datetime as dt
import json
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from kezek.core.masking import mask_iin
from kezek.facilities.models import Group, Organisation
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.placement import services
from kezek.placement.models import Direction, Enrollment, Publication
from kezek.registry.models import RegistryPerson
from kezek.staff.models import Role
from kezek.waitlist.models import Application
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory
from tests.factories import register_application as register
from tests.staff.conftest import kindergarten_group, staff_client, toddler

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)
TODAY = "2026-12-07"


@dataclass
class World:
    organisation: Organisation
    other: Organisation  # another kindergarten of the same locality
    group: Group
    direction: Direction  # awaiting enrolment
    waiting: Direction  # waiting for its benefit to be confirmed (P5: invisible to the kindergarten)

    @property
    def application(self) -> Application:
        return self.direction.application


@pytest.fixture
def world() -> World:
    with time_machine.travel(MONDAY - dt.timedelta(days=1), tick=False):  # issued on Sunday
        locality = LocalityFactory.create()
        group = kindergarten_group(locality, capacity=2, language="ru")
        organisation = group.organisation
        other = OrganisationFactory.create(locality=locality)
        plain = register(locality=locality, child=toddler(1))
        extraordinary = register(locality=locality, child=toddler(2), tier="extraordinary")
        services.places_publish(group=group)
        direction = services.direction_take(application=plain, group=group, applicant=plain.applicant)
        waiting = services.direction_take(
            application=extraordinary, group=group, applicant=extraordinary.applicant
        )
    assert (direction.state, waiting.state) == ("awaiting_enrollment", "benefit_confirmation")
    return World(organisation, other, group, direction, waiting)


def as_role(role: str, world: World, *, own: bool = True) -> Client:
    organisation = world.organisation if own else world.other
    locality = organisation.locality
    if role in (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF):
        client = staff_client(role, organisation=organisation)
    elif role == Role.ADMINISTRATOR:
        client = staff_client(role)
    else:
        client = staff_client(role, locality=locality)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})  # assertions on the English msgids
    return client


def enrol(world: World) -> Enrollment:
    user = User.objects.create(username=f"enrol-{world.direction.pk}")
    return services.direction_enroll(direction=world.direction, by_staff=user, on=MONDAY.date())


def staff_enrollment(world: World, child: RegistryPerson, *, reason: str) -> Enrollment:
    """A child of the locality's queue in the world's group since Monday, as a staff child (P7)."""
    application = register(locality=world.organisation.locality, child=child)
    return Enrollment.objects.create(
        group=world.group,
        child=application.child,
        staff_child=True,
        staff_reason=reason,
        enrolled_on=MONDAY.date(),
    )


def pages(world: World, enrollment: Enrollment) -> list[tuple[str, dict[str, str] | None]]:
    """Every page of the area, with the data its POST takes (None: a page without a form)."""
    return [
        ("/staff/kindergarten/directions/", None),
        ("/staff/kindergarten/groups/", None),
        (f"/staff/kindergarten/groups/{world.group.pk}/", None),
        (f"/staff/kindergarten/directions/{world.direction.pk}/enrol/", {"enrolled_on": TODAY}),
        (
            f"/staff/kindergarten/enrollments/{enrollment.pk}/depart/",
            {"left_on": TODAY, "reason": "family moved"},
        ),
        (
            f"/staff/kindergarten/groups/{world.group.pk}/staff-child/",
            {
                "child_iin": toddler(9).iin,
                "basis_number": "12-k",
                "basis_date": TODAY,
                "basis_reason": "Child of the cook",
                "enrolled_on": TODAY,
            },
        ),
    ]


@time_machine.travel(MONDAY, tick=False)
def test_department_and_auditor_roles_get_403_on_every_page_and_form(world: World) -> None:
    enrollment = staff_enrollment(world, toddler(3), reason="order 1")
    before = LedgerEvent.objects.count()
    for role in (Role.OPERATOR, Role.DEPARTMENT_HEAD, Role.AUDITOR):
        client = as_role(role, world)
        for url, data in pages(world, enrollment):
            assert client.get(url).status_code == 403, (role, url)
            if data is not None:
                assert client.post(url, data).status_code == 403, (role, url)
    # Kindergarten staff may do everything but a staff child (the head's order).
    staff = as_role(Role.KINDERGARTEN_STAFF, world)
    url, data = pages(world, enrollment)[-1]
    assert (staff.get(url).status_code, staff.post(url, data).status_code) == (403, 403)
    assert LedgerEvent.objects.count() == before
    assert Direction.objects.get(pk=world.direction.pk).state == "awaiting_enrollment"
    assert Enrollment.objects.get(pk=enrollment.pk).left_on is None


@time_machine.travel(MONDAY, tick=False)
def test_another_kindergarten_gets_404_and_sees_nothing(world: World) -> None:
    enrollment = staff_enrollment(world, toddler(4), reason="order 2")
    before = LedgerEvent.objects.count()
    for role in (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF):
        client = as_role(role, world, own=False)
        listing = client.get("/staff/kindergarten/directions/")
        assert listing.status_code == 200
        assert "No directions are awaiting enrolment." in listing.content.decode()
        groups = client.get("/staff/kindergarten/groups/").content.decode()
        assert world.group.name not in groups
        for url, data in pages(world, enrollment)[2:]:
            assert client.get(url).status_code in (404, 403), (role, url)
            if data is not None:
                assert client.post(url, data).status_code in (404, 403), (role, url)
    head = as_role(Role.KINDERGARTEN_HEAD, world, own=False)
    for url, data in pages(world, enrollment)[2:]:
        assert head.get(url).status_code == 404, url
        assert data is None or head.post(url, data).status_code == 404, url
    assert LedgerEvent.objects.count() == before
    assert Direction.objects.get(pk=world.direction.pk).state == "awaiting_enrollment"
    assert Enrollment.objects.get(pk=enrollment.pk).left_on is None
    assert Enrollment.objects.count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_directions_awaiting_enrolment_without_a_benefit_being_confirmed(world: World) -> None:
    client = as_role(Role.KINDERGARTEN_STAFF, world)
    response = client.get("/staff/kindergarten/directions/")
    assert response.status_code == 200
    page = response.content.decode()
    child = world.application.child
    assert f"{child.last_name} {child.first_name}" in page
    assert mask_iin(child.iin) in page
    assert child.iin not in page
    assert f'href="/staff/kindergarten/directions/{world.direction.pk}/enrol/"' in page
    hidden = world.waiting.application.child
    assert hidden.last_name not in page
    assert f"/directions/{world.waiting.pk}/" not in page
    # Neither its page nor a POST reaches it.
    url = f"/staff/kindergarten/directions/{world.waiting.pk}/enrol/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"enrolled_on": TODAY}).status_code == 404
    assert Direction.objects.get(pk=world.waiting.pk).state == "benefit_confirmation"
    # The menu links both sections.
    home = client.get("/staff/").content.decode()
    assert 'href="/staff/kindergarten/directions/"' in home
    assert 'href="/staff/kindergarten/groups/"' in home


@time_machine.travel(MONDAY, tick=False)
def test_enrol_with_a_date(world: World) -> None:
    client = as_role(Role.KINDERGARTEN_STAFF, world)
    url = f"/staff/kindergarten/directions/{world.direction.pk}/enrol/"
    page = client.get(url)
    assert page.status_code == 200
    assert f'value="{TODAY}"' in page.content.decode()  # today by default
    refused = {
        "2026-12-08": "cannot be in the future",
        "2026-12-05": "before the direction was issued",  # issued on Sunday the 6th
        "": "This field is required.",
    }
    for date, message in refused.items():
        response = client.post(url, {"enrolled_on": date})
        assert response.status_code == 422, date
        body = response.content.decode()
        assert 'class="error-summary"' in body, date
        assert message in body, date
    assert Direction.objects.get(pk=world.direction.pk).state == "awaiting_enrollment"
    response = client.post(url, {"enrolled_on": "2026-12-06"})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/kindergarten/groups/{world.group.pk}/"
    enrollment = Enrollment.objects.get(direction=world.direction)
    assert (enrollment.group_id, enrollment.enrolled_on) == (world.group.pk, dt.date(2026, 12, 6))
    assert Direction.objects.get(pk=world.direction.pk).state == "enrolled"
    assert LedgerEvent.objects.filter(kind="direction.enrolled", subject_id=str(world.direction.pk)).exists()
    roster = client.get(response["Location"]).content.decode()
    assert "06.12.2026" in roster
    assert world.application.child.last_name in roster
    # Enrolled: gone from the list, its page 404.
    assert client.get(url).status_code == 404
    assert (
        world.application.child.last_name
        not in client.get("/staff/kindergarten/directions/").content.decode()
    )
    assert ledger_verify().ok


@time_machine.travel(MONDAY, tick=False)
def test_groups_with_their_seats(world: World) -> None:
    enrol(world)
    client = as_role(Role.KINDERGARTEN_HEAD, world)
    page = client.get("/staff/kindergarten/groups/").content.decode()
    assert f'href="/staff/kindergarten/groups/{world.group.pk}/"' in page
    # capacity 2, enrolled 1, live directions 1 (the one waiting for its benefit holds its seat), free 0
    cells = [c.split("</td>")[0] for c in page.split('<td class="num">')[1:]]
    assert cells == ["2", "1", "1", "0"]
    roster = client.get(f"/staff/kindergarten/groups/{world.group.pk}/").content.decode()
    assert world.waiting.application.child.last_name not in roster  # not enrolled: not on the roster


@time_machine.travel(MONDAY, tick=False)
def test_departure_publishes_the_place_in_the_protocol_and_the_passport(world: World) -> None:
    enrollment = enrol(world)
    client = as_role(Role.KINDERGARTEN_STAFF, world)
    locality = world.organisation.locality
    passport = f"/places/organisations/{world.organisation.pk}/"
    assert "priority access 1" not in client.get(passport).content.decode()
    url = f"/staff/kindergarten/enrollments/{enrollment.pk}/depart/"
    assert client.get(url).status_code == 200
    for data in (
        {"left_on": TODAY, "reason": ""},
        {"left_on": "2026-12-08", "reason": "family moved"},
        {"left_on": "2026-12-01", "reason": "family moved"},  # before the enrolment
    ):
        assert client.post(url, data).status_code == 422, data
    assert Enrollment.objects.get(pk=enrollment.pk).left_on is None
    response = client.post(url, {"left_on": TODAY, "reason": "The family moved to Almaty"})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert (enrollment.left_on, enrollment.leave_reason) == (MONDAY.date(), "The family moved to Almaty")
    assert client.get(url).status_code == 404  # left: no second departure
    # The freed place: in the public protocol of freed places …
    publication = Publication.objects.get(cause=Publication.Cause.DEPARTURE)
    assert (publication.group_id, publication.places) == (world.group.pk, 1)
    protocol = Client().get(f"/open-data/{locality.code}/publications.json")
    assert protocol.status_code == 200
    exported = json.loads(b"".join(protocol.streaming_content))  # type: ignore[attr-defined]
    newest = exported["items"][0]
    assert (newest["number"], newest["cause"], newest["places"]) == (publication.pk, "departure", 1)
    assert newest["group"]["name"] == world.group.name
    api = Client().get(f"/api/v1/open-data/{locality.code}/publications").json()
    assert next((row["number"], row["cause"], row["places"]) for row in api["items"]) == (
        publication.pk,
        "departure",
        1,
    )
    # … and in the passport of the kindergarten (priority access first, P2).
    assert "priority access 1" in client.get(passport).content.decode()
    free = Client().get("/api/v1/free-places", {"organisation": world.organisation.pk}).json()
    assert free["ranges"][0]["priority"] == 1
    assert ledger_verify().ok


@time_machine.travel(MONDAY, tick=False)
def test_staff_child_by_the_heads_order_is_marked_publicly(world: World) -> None:
    group = GroupFactory.create(organisation=world.organisation, capacity=1, language="kk")
    head = as_role(Role.KINDERGARTEN_HEAD, world)
    roster = head.get(f"/staff/kindergarten/groups/{group.pk}/").content.decode()
    url = f"/staff/kindergarten/groups/{group.pk}/staff-child/"
    assert f'href="{url}"' in roster
    staff_roster = as_role(Role.KINDERGARTEN_STAFF, world).get(f"/staff/kindergarten/groups/{group.pk}/")
    assert f'href="{url}"' not in staff_roster.content.decode()
    child = toddler(7)
    data = {
        "child_iin": child.iin,
        "basis_number": "17-k",
        "basis_date": "2026-12-04",
        "basis_reason": "Child of the group's teacher",
        "enrolled_on": TODAY,
    }
    for field, bad in (
        ("child_iin", "123"),
        ("basis_number", ""),
        ("basis_reason", ""),
        ("basis_reason", ".........."),  # D1: a reason in words
        ("basis_date", "2026-12-09"),
    ):
        response = head.post(url, {**data, field: bad})
        assert response.status_code == 422, field
        assert f'href="#id_{field}"' in response.content.decode(), field
    response = head.post(url, {**data, "child_iin": "000000000000"})
    assert response.status_code == 422  # not a valid IIN: on its field
    assert not Enrollment.objects.filter(staff_child=True).exists()
    response = head.post(url, data)
    assert response.status_code == 302, response.content.decode()
    enrollment = Enrollment.objects.get(staff_child=True)
    assert enrollment.direction_id is None
    assert enrollment.group_id == group.pk
    assert enrollment.staff_reason == "No. 17-k of 04.12.2026: Child of the group's teacher"
    event = LedgerEvent.objects.get(kind="enrollment.staff_child")
    assert event.payload["reason"] == enrollment.staff_reason
    assert event.payload["basis_document_number"] == "17-k"
    # The group is full now: a second one is refused (409) with the reason above the form.
    second = head.post(url, {**data, "child_iin": toddler(8).iin})
    assert second.status_code == 409
    assert "no free seat" in second.content.decode()
    # A group whose free places are offered to the queue in their priority window: not for a staff child.
    offered = GroupFactory.create(organisation=group.organisation, capacity=1, age_from=2, age_to=3)
    services.places_publish(group=offered)
    windowed = f"/staff/kindergarten/groups/{offered.pk}/staff-child/"
    refused = head.post(windowed, {**data, "child_iin": toddler(8).iin})
    assert refused.status_code == 409
    assert "still offered to the queue in their priority window" in refused.content.decode()
    assert Enrollment.objects.filter(group=offered).count() == 0
    # Marked publicly in the protocol of directions (P7).
    locality = world.organisation.locality
    rows = Client().get(f"/api/v1/open-data/{locality.code}/directions").json()["items"]
    assert [row["kind"] for row in rows if row["staff_child"]] == ["staff_child"]
    page = head.get(f"/staff/kindergarten/groups/{group.pk}/").content.decode()
    assert "Child of the kindergarten's staff (by the head's order)" in page
    assert ledger_verify().ok


@time_machine.travel(MONDAY, tick=False)
def test_the_administrator_works_in_every_kindergarten(world: World) -> None:
    client = as_role(Role.ADMINISTRATOR, world)
    page = client.get("/staff/kindergarten/directions/").content.decode()
    assert world.organisation.name in page
    response = client.post(
        f"/staff/kindergarten/directions/{world.direction.pk}/enrol/", {"enrolled_on": TODAY}
    )
    assert response.status_code == 302
    assert Direction.objects.get(pk=world.direction.pk).state == "enrolled"
