"""Distribution over HTTP: free places, directions in the cabinet, enrolment by staff."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from kezek.facilities.models import Group
from kezek.placement import services
from kezek.placement.models import Direction, Enrollment
from kezek.staff.models import Role
from tests.cabinet.test_api import post, sign_in
from tests.factories import (
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    staff_login,
    staff_user,
)
from tests.factories import register_application as register

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)


@pytest.fixture(autouse=True)
def quick_resend(settings) -> None:
    settings.OTP_RESEND_INTERVAL_SECONDS = 0


@pytest.fixture
def group() -> Group:
    organisation = OrganisationFactory.create(locality=LocalityFactory.create())
    return GroupFactory.create(organisation=organisation, capacity=2, language="ru")


def toddler(n: int):
    return RegistryPersonFactory.create(birth_date=dt.date(2024, 2, 1) + dt.timedelta(days=n))


@time_machine.travel(MONDAY, tick=False)
def test_take_extend_decline_in_the_cabinet(group: Group) -> None:
    mine = register(locality=group.organisation.locality, child=toddler(1))
    theirs = register(locality=group.organisation.locality, child=toddler(2))
    services.places_publish(group=group)
    client = Client()
    free = client.get("/api/v1/free-places", {"organisation": group.organisation_id}).json()
    assert free["ranges"] == [
        {"age_from": 2, "age_to": 3, "general": 0, "general_by_language": {}, "priority": 2}
    ]
    assert sign_in(client, mine) == 200
    # Not my application: 404, nothing taken.
    response = post(client, "/cabinet/directions", {"application": theirs.pk, "group": group.pk})
    assert response.status_code == 404
    response = post(client, "/cabinet/directions", {"application": mine.pk, "group": group.pk})
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    assert post(client, "/cabinet/directions", {"application": mine.pk, "group": group.pk}).status_code == 409
    assert [d["number"] for d in client.get("/api/v1/cabinet/directions").json()] == [number]
    extended = post(client, f"/cabinet/directions/{number}/extend", {})
    assert extended.status_code == 200
    assert extended.json()["valid_until"] > response.json()["valid_until"]
    declined = post(client, f"/cabinet/directions/{number}/decline", {})
    assert (declined.status_code, declined.json()["state"]) == (200, "declined")
    # Another family cannot touch my direction.
    other = Client()
    assert sign_in(other, theirs) == 200
    assert post(other, f"/cabinet/directions/{number}/extend", {}).status_code == 404


@time_machine.travel(MONDAY, tick=False)
def test_staff_enrol_and_depart(group: Group) -> None:
    app = register(locality=group.organisation.locality, child=toddler(3))
    services.places_publish(group=group)
    direction = services.direction_take(application=app, group=group, applicant=app.applicant)
    client = Client()
    url = f"/api/v1/staff/directions/{direction.pk}/enroll"
    assert client.post(url, {}, content_type="application/json").status_code == 401
    client.force_login(User.objects.create(username="parent-not-staff"))
    assert client.post(url, {}, content_type="application/json").status_code == 401
    staff_login(client, staff_user(role=Role.ADMINISTRATOR, username="head"))
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert Direction.objects.get(pk=direction.pk).state == "enrolled"
    enrollment = Enrollment.objects.get()
    depart = f"/api/v1/staff/enrollments/{enrollment.pk}/depart"
    assert client.post(depart, {"reason": ""}, content_type="application/json").status_code == 422
    response = client.post(depart, {"reason": "family moved"}, content_type="application/json")
    assert response.status_code == 200
    free = Client().get("/api/v1/free-places", {"organisation": group.organisation_id}).json()
    assert free["ranges"][0]["priority"] == 2  # the seat is published again at once


@time_machine.travel(MONDAY, tick=False)
def test_staff_enrol_and_depart_only_in_the_kindergarten_of_the_direction(group: Group) -> None:
    app = register(locality=group.organisation.locality, child=toddler(5))
    services.places_publish(group=group)
    direction = services.direction_take(application=app, group=group, applicant=app.applicant)
    url = f"/api/v1/staff/directions/{direction.pk}/enroll"
    locality = group.organisation.locality
    other = OrganisationFactory.create(locality=locality)

    def enrol(user: User) -> int:
        client = staff_login(Client(), user)
        return client.post(url, {}, content_type="application/json").status_code

    # Another kindergarten (even of the same locality): as if the direction did not exist.
    assert enrol(staff_user(role=Role.KINDERGARTEN_HEAD, organisation=other)) == 404
    # Department and auditor roles do not enrol: 403.
    assert enrol(staff_user(role=Role.OPERATOR, locality=locality)) == 403
    assert enrol(staff_user(role=Role.DEPARTMENT_HEAD, locality=locality)) == 403
    assert enrol(staff_user(role=Role.AUDITOR, locality=locality)) == 403
    assert Direction.objects.get(pk=direction.pk).state == "awaiting_enrollment"
    # The kindergarten's own staff do.
    assert enrol(staff_user(role=Role.KINDERGARTEN_STAFF, organisation=group.organisation)) == 200
    enrollment = Enrollment.objects.get()
    depart = f"/api/v1/staff/enrollments/{enrollment.pk}/depart"

    def leave(user: User) -> int:
        client = staff_login(Client(), user)
        return client.post(depart, {"reason": "family moved"}, content_type="application/json").status_code

    assert leave(staff_user(role=Role.KINDERGARTEN_STAFF, organisation=other)) == 404
    assert leave(staff_user(role=Role.OPERATOR, locality=locality)) == 403
    assert leave(staff_user(role=Role.AUDITOR, region=locality.region)) == 403
    assert Enrollment.objects.get().left_on is None
    assert leave(staff_user(role=Role.KINDERGARTEN_HEAD, organisation=group.organisation)) == 200
    assert Enrollment.objects.get().left_on == MONDAY.date()


@time_machine.travel(MONDAY, tick=False)
def test_direction_waiting_for_benefit_confirmation_is_invisible_to_the_kindergarten(group: Group) -> None:
    app = register(locality=group.organisation.locality, child=toddler(4), tier="extraordinary")
    services.places_publish(group=group)
    direction = services.direction_take(application=app, group=group, applicant=app.applicant)
    assert direction.state == "benefit_confirmation"
    for user in (
        staff_user(role=Role.ADMINISTRATOR, username="head"),
        staff_user(role=Role.KINDERGARTEN_HEAD, organisation=group.organisation),
    ):
        client = staff_login(Client(), user)
        response = client.post(
            f"/api/v1/staff/directions/{direction.pk}/enroll", {}, content_type="application/json"
        )
        assert response.status_code == 404
    assert Direction.objects.get(pk=direction.pk).state == "benefit_confirmation"


@time_machine.travel(MONDAY, tick=False)
def test_free_places_search(group: Group) -> None:
    app = register(locality=group.organisation.locality, child=toddler(5))
    services.places_publish(group=group)
    code = group.organisation.locality.code
    client = Client()

    def search(**params: str | int) -> list[dict[str, object]]:
        response = client.get("/api/v1/free-places/search", {"locality": code, **params})
        assert response.status_code == 200, response.content
        return response.json()

    assert [(r["group_id"], r["priority"], r["general"]) for r in search()] == [(group.pk, 2, 0)]
    assert len(search(age=2)) == 1
    assert search(age=4) == []
    assert len(search(application=app.pk)) == 1
    assert search(language="kk") == []
    assert client.get("/api/v1/free-places/search", {"locality": "nowhere"}).status_code == 404
    too_old: dict[str, str | int] = {"locality": code, "age": 99}
    assert client.get("/api/v1/free-places/search", too_old).status_code == 422
