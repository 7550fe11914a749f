"""The department's organisations and groups (#6): scope (404), roles (403), passport and group edits on the
ledger, a capacity rise publishes places at once, a fall never below the seats held (409), closing refused
with children, transfer then close, and no form offers a field the issue forbids."""

import datetime as dt
import itertools
import re

import pytest
import time_machine
from django.conf import settings
from django.db.models import Max
from django.test import Client

from kezek.core import clock
from kezek.facilities.models import BaseFee, Group, Organisation
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.placement import selectors, services
from kezek.placement.models import Direction, Enrollment, Place, Publication
from kezek.staff.forms_organisations import (
    CapacityForm,
    CloseForm,
    GroupCreateForm,
    GroupForm,
    OrganisationCreateForm,
    OrganisationForm,
    SettingsForm,
    TransferForm,
)
from kezek.staff.models import Role
from tests.factories import (
    EducationDepartmentFactory,
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    basis,
    staff_user,
)
from tests.factories import register_application as register
from tests.factories.facilities import sequence_bin
from tests.staff.conftest import NEW_GROUP, kindergarten_group, passport, staff_client

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)
_days = itertools.count()


@pytest.fixture
def group() -> Group:
    group = kindergarten_group(age_from=2, age_to=3, capacity=3)
    services.places_publish(group=group)
    return group


def operator(group: Group, role: str = Role.OPERATOR) -> Client:
    return staff_client(role, locality=group.organisation.locality)


def toddler_iin() -> str:
    person = RegistryPersonFactory.create(
        birth_date=dt.date(2024, 1, 1) + dt.timedelta(days=next(_days) % 300)
    )
    return str(person.iin)


def enrol_staff_child(group: Group) -> Enrollment:
    """A staff child enrolled today in one of the group's places, once their priority windows are over
    (P7: never a place still offered to the queue)."""
    head = staff_user(role=Role.KINDERGARTEN_HEAD, organisation=group.organisation)
    today = clock.today()
    windows = Publication.objects.filter(group=group).aggregate(end=Max("priority_until"))["end"]
    with time_machine.travel(windows or clock.now(), tick=False):
        return services.enrollment_staff_child(
            group=group,
            child_iin=toddler_iin(),
            by_staff=head,
            basis=basis("the head's order, staff child"),
            on=today,
        )


def kinds() -> list[str]:
    return list(LedgerEvent.objects.order_by("seq").values_list("kind", flat=True))


def group_pages(group: Group) -> list[str]:
    org = group.organisation_id
    return [
        f"/staff/organisations/{org}/",
        f"/staff/organisations/{org}/edit/",
        f"/staff/organisations/{org}/groups/new/",
        f"/staff/organisations/groups/{group.pk}/",
    ]


def test_another_localitys_organisation_and_group_are_not_found(group: Group) -> None:
    client = staff_client(Role.DEPARTMENT_HEAD)  # another locality
    for url in group_pages(group):
        assert client.get(url).status_code == 404, url
        if url != f"/staff/organisations/{group.organisation_id}/":  # the passport page only reads
            assert client.post(url, {"action": "capacity", "capacity-capacity": "10"}).status_code == 404, url
    assert Group.objects.get(pk=group.pk).capacity == 3
    listing = client.get("/staff/organisations/").content.decode()
    assert group.organisation.name_ru not in listing


def test_kindergarten_roles_are_refused_and_auditors_only_read(group: Group) -> None:
    for role in (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF):
        client = staff_client(role, organisation=group.organisation)
        assert client.get("/staff/organisations/").status_code == 403
        for url in group_pages(group):
            assert client.get(url).status_code == 403, url
    auditor = staff_client(Role.AUDITOR, locality=group.organisation.locality)
    assert auditor.get("/staff/organisations/").status_code == 200
    assert auditor.get(f"/staff/organisations/{group.organisation_id}/").status_code == 200
    page = auditor.get(f"/staff/organisations/groups/{group.pk}/")
    assert page.status_code == 200
    assert 'name="action"' not in page.content.decode()
    before = LedgerEvent.objects.count()
    for url in [*group_pages(group)[1:], "/staff/organisations/new/"]:
        assert auditor.post(url, {"action": "capacity", "capacity-capacity": "10"}).status_code == 403, url
    assert auditor.get("/staff/organisations/new/").status_code == 403
    assert Group.objects.get(pk=group.pk).capacity == 3
    assert LedgerEvent.objects.count() == before


def test_list_filters_by_name_kind_and_ownership(group: Group) -> None:
    locality = group.organisation.locality
    OrganisationFactory.create(locality=locality, name_ru="Частный сад Балапан", ownership="private")
    client = operator(group)
    assert "Балапан" in client.get("/staff/organisations/?name=Балап").content.decode()
    page = client.get("/staff/organisations/?ownership=state").content.decode()
    assert "Балапан" not in page
    assert group.organisation.name_ru in page
    assert "Балапан" not in client.get("/staff/organisations/?kind=mini_centre").content.decode()


def test_create_an_organisation_then_edit_its_passport_and_fees(group: Group) -> None:
    locality = group.organisation.locality
    EducationDepartmentFactory.create(locality=locality)
    client = operator(group)
    created = passport(locality=str(locality.pk), bin=sequence_bin(9000))
    response = client.post("/staff/organisations/new/", created)
    assert response.status_code == 302
    organisation = Organisation.objects.get(name_ru="Куншуак")
    assert organisation.locality == locality
    assert list(BaseFee.objects.filter(organisation=organisation).values_list("monthly_fee", flat=True)) == [
        20000
    ]
    # The same BIN again: 409, one organisation.
    assert client.post("/staff/organisations/new/", created).status_code == 409
    edit = {**created, "duty_group": "Группа «Солнышко» до 20:00", "fees-0-monthly_fee": "22000"}
    del edit["bin"], edit["locality"]
    edit["bin"] = "000000000000"  # not a field of the edit form: ignored
    assert client.post(f"/staff/organisations/{organisation.pk}/edit/", edit).status_code == 302
    organisation.refresh_from_db()
    assert organisation.duty_group.startswith("Группа")
    assert organisation.bin == created["bin"]
    event = LedgerEvent.objects.filter(kind="organisation.updated").get()
    assert event.payload["changed"]["fees"] == [[[1, 3, 20000]], [[1, 3, 22000]]]
    assert event.payload["by"] is not None
    # Hours that close before they open are refused (422), nothing changes.
    bad = {**edit, "opens_at": "19:00", "closes_at": "08:00"}
    assert client.post(f"/staff/organisations/{organisation.pk}/edit/", bad).status_code == 422
    assert "organisation.created" in kinds()
    assert ledger_verify().ok


def test_a_user_cannot_create_an_organisation_in_another_locality(group: Group) -> None:
    other = LocalityFactory.create()
    EducationDepartmentFactory.create(locality=other)
    client = operator(group)
    response = client.post(
        "/staff/organisations/new/",
        {"locality": str(other.pk), "bin": sequence_bin(9001), "name_ru": "x", "name_kk": "x"},
    )
    assert response.status_code == 422  # not a choice for this user
    assert not Organisation.objects.filter(locality=other).exists()


def test_new_group_publishes_its_places_at_once(group: Group) -> None:
    client = operator(group)
    response = client.post(f"/staff/organisations/{group.organisation_id}/groups/new/", NEW_GROUP)
    assert response.status_code == 302
    new = Group.objects.get(name="Балапан")
    assert Place.objects.filter(group=new, status="open").count() == 20
    assert kinds()[-2:] == ["group.created", "places.published"]


def test_edit_a_group(group: Group) -> None:
    client = operator(group)
    url = f"/staff/organisations/groups/{group.pk}/"
    data = {
        "action": "edit",
        "edit-name": "Солнышко",
        "edit-language": "ru",
        "edit-kind": "general",
        "edit-stay_mode": "half_day",
        "edit-age_from": "2",
        "edit-age_to": "4",
        "edit-capacity": "60",  # not a field of this form: ignored
    }
    assert client.post(url, data).status_code == 302
    group.refresh_from_db()
    assert (group.name, group.language, group.age_to, group.capacity) == ("Солнышко", "ru", 4, 3)
    event = LedgerEvent.objects.filter(kind="group.updated").get()
    assert event.payload["changed"]["age_to"] == [3, 4]
    assert event.payload["changed"]["stay_mode"] == ["full_day", "half_day"]  # E20
    assert client.post(url, {**data, "edit-age_to": "9"}).status_code == 422


def test_capacity_rise_publishes_places_the_public_sees(group: Group) -> None:
    client = operator(group)
    url = f"/staff/organisations/groups/{group.pk}/"
    assert client.post(url, {"action": "capacity", "capacity-capacity": "5"}).status_code == 302
    assert Group.objects.get(pk=group.pk).capacity == 5
    assert Place.objects.filter(group=group, status="open").count() == 5
    free = selectors.free_places(organisation_id=group.organisation_id)
    assert sum(f.general + f.priority for f in free) == 5
    assert kinds()[-2:] == ["group.capacity_changed", "places.published"]
    event = LedgerEvent.objects.filter(kind="group.capacity_changed").get()
    assert event.payload["capacity"] == [3, 5]
    public = Client().get(f"/organisations/{group.organisation_id}/")
    assert public.status_code == 200
    assert ledger_verify().ok


def test_capacity_fall_withdraws_open_places_but_never_below_the_seats_held(group: Group) -> None:
    enrol_staff_child(group)  # 1 enrolled, 2 open
    client = operator(group)
    url = f"/staff/organisations/groups/{group.pk}/"
    before = LedgerEvent.objects.count()
    response = client.post(url, {"action": "capacity", "capacity-capacity": "0"})
    assert response.status_code == 409
    assert Group.objects.get(pk=group.pk).capacity == 3
    assert Place.objects.filter(group=group, status="open").count() == 2
    assert LedgerEvent.objects.count() == before
    assert client.post(url, {"action": "capacity", "capacity-capacity": "2"}).status_code == 302
    assert Place.objects.filter(group=group, status="open").count() == 1
    assert Place.objects.filter(group=group, status="withdrawn").count() == 1
    assert selectors.unaccounted_seats(group=group) == 0
    assert client.post(url, {"action": "capacity", "capacity-capacity": "61"}).status_code == 422


@time_machine.travel(MONDAY, tick=False)
def test_capacity_fall_counts_live_directions(group: Group) -> None:
    apps = [
        register(
            locality=group.organisation.locality,
            child=RegistryPersonFactory.create(birth_date=dt.date(2024, 3, 1) + dt.timedelta(days=i)),
        )
        for i in range(3)
    ]
    services.places_publish(group=group)  # nothing new: the fixture published the 3 seats before
    group.refresh_from_db()
    Place.objects.filter(group=group).update(status="withdrawn")
    services.places_publish(group=group)
    services.direction_take(application=apps[0], group=group, applicant=apps[0].applicant)
    client = operator(group)
    url = f"/staff/organisations/groups/{group.pk}/"
    assert client.post(url, {"action": "capacity", "capacity-capacity": "0"}).status_code == 409
    close = client.post(url, {"action": "close", "close-reason": "Renovation of the building"})
    assert close.status_code == 409
    assert Group.objects.get(pk=group.pk).is_active
    assert Direction.objects.filter(group=group, state="awaiting_enrollment").count() == 1


def test_closing_is_refused_with_children_then_transfer_and_close(group: Group) -> None:
    target = GroupFactory.create(organisation=group.organisation, age_from=2, age_to=4, capacity=5)
    services.places_publish(group=target)
    elsewhere = GroupFactory.create(
        organisation=OrganisationFactory.create(locality=group.organisation.locality), capacity=5
    )
    enrollment = enrol_staff_child(group)
    client = operator(group)
    url = f"/staff/organisations/groups/{group.pk}/"
    response = client.post(url, {"action": "close", "close-reason": "Renovation of the building"})
    assert response.status_code == 409
    assert "transfer" in response.content.decode().lower()
    assert Group.objects.get(pk=group.pk).is_active
    # A group of another organisation is not a choice.
    assert (
        client.post(
            url,
            {"action": "transfer", "transfer-enrollment": enrollment.pk, "transfer-to_group": elsewhere.pk},
        ).status_code
        == 422
    )
    moved = client.post(
        url, {"action": "transfer", "transfer-enrollment": enrollment.pk, "transfer-to_group": target.pk}
    )
    assert moved.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.group_id == target.pk
    assert enrollment.left_on is None
    assert Place.objects.filter(group=target, status="open").count() == 4
    group.refresh_from_db()
    assert group.capacity == 2  # the seat left with the child: not published again
    assert selectors.unaccounted_seats(group=group) == 0
    assert client.post(url, {"action": "close", "close-reason": ""}).status_code == 422
    closed = client.post(url, {"action": "close", "close-reason": "Renovation of the building"})
    assert closed.status_code == 302
    group.refresh_from_db()
    assert not group.is_active
    assert group.closed_reason == "Renovation of the building"
    assert group.closed_at
    assert Place.objects.filter(group=group, status="open").count() == 0
    assert selectors.free_places_search(
        locality=group.organisation.locality, organisation_id=group.organisation_id
    )
    assert all(
        row.group_id != group.pk for row in selectors.free_places_search(locality=group.organisation.locality)
    )
    assert Group.objects.filter(pk=group.pk).exists()  # never deleted
    assert client.post(url, {"action": "capacity", "capacity-capacity": "9"}).status_code == 409
    assert {"enrollment.transferred", "group.closed"} <= set(kinds())
    transferred = LedgerEvent.objects.get(kind="enrollment.transferred")
    assert transferred.payload["to_group"] == target.pk
    assert transferred.payload["closing"] is True
    assert ledger_verify().ok


def test_transfer_service_outside_closing_publishes_the_freed_seat(group: Group) -> None:
    target = GroupFactory.create(organisation=group.organisation, capacity=2)
    enrollment = enrol_staff_child(group)
    head = staff_user(role=Role.DEPARTMENT_HEAD, locality=group.organisation.locality)
    services.enrollment_transfer(enrollment=enrollment, to_group=target, by_staff=head)
    assert Group.objects.get(pk=group.pk).capacity == 3
    assert Place.objects.filter(group=group, status="open").count() == 3
    assert LedgerEvent.objects.order_by("-seq").first().kind == "places.published"  # type: ignore[union-attr]


FORBIDDEN = {
    "registered_at",
    "birth_date",
    "iin",
    "child_iin",
    "number",
    "valid_until",
    "latest_valid_until",
    "position",
    "ordinal",
    "status",
    "state",
    "locality",
    "bin",
}


def test_forms_offer_no_forbidden_field() -> None:
    for form in (
        OrganisationForm(),
        GroupForm(),
        GroupCreateForm(),
        CapacityForm(),
        CloseForm(),
        TransferForm(groups=[]),
        SettingsForm(),
    ):
        assert not FORBIDDEN & set(form.fields), type(form).__name__
    create = OrganisationCreateForm(localities=[])
    assert not (FORBIDDEN - {"bin", "locality"}) & set(create.fields)  # a new organisation's BIN and place


def test_staff_pages_read_age_ranges_as_phrases_in_russian(group: Group) -> None:
    """As the parent pages (`age_range_label`): the organisation's groups and fees, a group's age and its
    transfer targets, the kindergarten's groups — "до 1 года", "от 2 до 3 лет", never "2–3"."""
    organisation = group.organisation
    BaseFee.objects.create(organisation=organisation, age_from=0, age_to=1, monthly_fee=20000)
    nursery = GroupFactory.create(organisation=organisation, age_from=0, age_to=1, capacity=2, name="Ясли")
    services.places_publish(group=nursery)
    enrol_staff_child(group)
    client = operator(group)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    detail = client.get(f"/staff/organisations/{organisation.pk}/").content.decode()
    assert "до 1 года: 20000 ₸" in detail
    assert "<td>от 2 до 3 лет</td>" in detail
    assert "<td>до 1 года</td>" in detail
    page = client.get(f"/staff/organisations/groups/{group.pk}/").content.decode()
    assert "<dd>от 2 до 3 лет</dd>" in page
    assert ">Ясли, до 1 года, " in page  # the transfer target
    head = staff_client(Role.KINDERGARTEN_HEAD, organisation=organisation)
    head.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    groups = head.get("/staff/kindergarten/groups/").content.decode()
    assert "<td>от 2 до 3 лет</td>" in groups
    for html in (detail, page, groups):  # no "0–1" (opening hours "07:00–19:00" are not ages)
        assert not re.search(r"(?<![\d:])\d–\d(?![\d:])", html)
