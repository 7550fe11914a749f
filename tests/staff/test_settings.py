"""Locality settings (#6): heads and administrators change the ratio and the distribution settings, operators
and auditors read, kindergartens are refused, another locality is not found; every change is a ledger
event shown in the staff history (with who) and publicly on "how places are distributed" (without)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kezek.facilities.models import Locality
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.placement.selectors import placement_settings
from kezek.placement.services import placement_settings_update
from kezek.staff.models import Role
from kezek.waitlist.selectors import priority_ratio
from tests.factories import LocalityFactory, OrganisationFactory
from tests.staff.conftest import SETTINGS as VALUES
from tests.staff.conftest import staff_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # the pages in English (the msgids)


@pytest.fixture
def city() -> Locality:
    return LocalityFactory.create(code="ust-kamenogorsk")


def client_of(role: str, locality: Locality) -> Client:
    return staff_client(role, locality=locality, username=f"{role}-user")


def test_head_changes_the_settings_each_change_on_the_ledger_with_who(city: Locality) -> None:
    head = client_of(Role.DEPARTMENT_HEAD, city)
    assert head.get("/staff/settings/").status_code == 200
    response = head.post("/staff/settings/", {**VALUES, "locality": city.code})
    assert response.status_code == 302
    assert priority_ratio(locality_id=city.pk) == 4
    settings = placement_settings(locality=city)
    assert (settings.priority_days, settings.priority_hour, settings.age_reference) == (2, 9, "september_1")
    events = list(LedgerEvent.objects.order_by("seq").values_list("kind", "payload"))
    assert [kind for kind, _payload in events] == ["queue_settings.changed", "placement_settings.changed"]
    head_user = User.objects.get(username="department_head-user")
    assert all(payload["by"] == head_user.pk for _kind, payload in events)  # who changed it, on the ledger
    # Saving the same values again writes nothing.
    assert head.post("/staff/settings/", {**VALUES, "locality": city.code}).status_code == 302
    assert LedgerEvent.objects.count() == 2
    page = head.get("/staff/settings/").content.decode()
    assert "department_head-user" in page
    assert "september" in page.lower()
    assert ledger_verify().ok


def test_out_of_range_values_are_refused_and_nothing_changes(city: Locality) -> None:
    head = client_of(Role.DEPARTMENT_HEAD, city)
    for name, value in (("priority_ratio", "21"), ("priority_hour", "24"), ("direction_max_days", "400")):
        response = head.post("/staff/settings/", {**VALUES, name: value, "locality": city.code})
        assert response.status_code == 422, name
    assert LedgerEvent.objects.count() == 0
    assert placement_settings(locality=city).pk is None


def test_operators_and_auditors_read_only_kindergartens_refused(city: Locality) -> None:
    for role in (Role.OPERATOR, Role.AUDITOR):
        client = client_of(role, city)
        page = client.get("/staff/settings/")
        assert page.status_code == 200
        assert "Save the settings" not in page.content.decode()
        assert client.post("/staff/settings/", {**VALUES, "locality": city.code}).status_code == 403
    organisation = OrganisationFactory.create(locality=city)
    for role in (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF):
        client = staff_client(role, organisation=organisation)
        assert client.get("/staff/settings/").status_code == 403
        assert client.post("/staff/settings/", {**VALUES, "locality": city.code}).status_code == 403
    assert LedgerEvent.objects.count() == 0


def test_another_locality_is_not_found(city: Locality) -> None:
    other = LocalityFactory.create()
    head = client_of(Role.DEPARTMENT_HEAD, city)
    assert head.get(f"/staff/settings/?locality={other.code}").status_code == 404
    assert head.post("/staff/settings/", {**VALUES, "locality": other.code}).status_code == 404
    assert priority_ratio(locality_id=other.pk) == 3
    assert LedgerEvent.objects.count() == 0


def test_the_public_rules_page_lists_the_changes_without_staff_names(city: Locality) -> None:
    placement_settings_update(locality=city, direction_working_days=3)  # outside the back-office
    head = client_of(Role.DEPARTMENT_HEAD, city)
    head.post("/staff/settings/", {**VALUES, "direction_working_days": "3", "locality": city.code})
    public = Client()
    public.cookies["kezek_locality"] = city.code
    page = public.get("/how-places-are-distributed/").content.decode()
    assert "Changes of these rules" in page
    assert page.count("<time datetime=") == 3  # the working days, then the ratio and the window
    assert "department_head-user" not in page
    staff_page = head.get("/staff/settings/").content.decode()
    assert staff_page.count("department_head-user") == 2  # the ratio's and the settings' change


def test_administrator_chooses_the_locality(city: Locality) -> None:
    other = LocalityFactory.create()
    admin = staff_client(Role.ADMINISTRATOR)
    assert admin.get(f"/staff/settings/?locality={other.code}").status_code == 200
    assert admin.post("/staff/settings/", {**VALUES, "locality": other.code}).status_code == 302
    assert priority_ratio(locality_id=other.pk) == 4
    assert priority_ratio(locality_id=city.pk) == 3
