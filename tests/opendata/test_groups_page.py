"""The public page of seats per group (P1): every active group's capacity is the children enrolled, the live
directions and the open places (and the seats not yet published, 0 but until the next tick), for a group
lived through the services; the organisation filter, the downloads and the API's filter."""

import datetime as dt
import json
import re

import pytest
from django.test import Client

from kezek.placement import services
from kezek.placement.models import Direction
from tests.factories import staff_user
from tests.opendata.conftest import ALMATY, NOW, Region, at
from tests.opendata.helpers import API, body, get_json, in_city

pytestmark = pytest.mark.django_db
SEATS = ("capacity", "enrolled", "live_directions", "open_places", "unpublished")
ROW = re.compile(r"<tr><td>[^<]*</td><th scope=\"row\">([^<]*)</th>(.*?)</tr>", re.S)


def seats(page: str) -> dict[str, dict[str, int]]:
    """The rows of the page's table: group name → its seat figures."""
    found = {}
    for name, cells in ROW.findall(page):
        found[name] = {k: int(v) for k, v in re.findall(r'data-seats="(\w+)">(\d+)</td>', cells)}
    return found


@pytest.fixture
def lived(region: Region) -> Region:
    """A group opened through the services with four seats: a direction taken and enrolled, another taken
    and live, two open."""
    operator = staff_user(locality=region.city)
    with at(dt.datetime(2026, 12, 3, 10, 0, tzinfo=ALMATY)):
        group = services.group_open(
            organisation=region.private_org, by_staff=operator, capacity=4, academic_year=2026,
            name="Жұлдыз", language="kk", kind="general", age_from=2, age_to=3,
        )  # fmt: skip
    with at(NOW):  # the priority window is over: any eligible application takes a place (D4)
        first, second = [a for a in region.queued if a.cohort == 2024 and a.tier == "general"][:2]
        taken = services.direction_take(application=first, group=group, applicant=first.applicant)
        services.direction_take(application=second, group=group, applicant=second.applicant)
        services.direction_enroll(direction=Direction.objects.get(pk=taken.pk), by_staff=operator)
    return region


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_group_sums_to_its_capacity(lived: Region, now: object, client: Client, language: str) -> None:
    in_city(client)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    response = client.get("/open-data/groups/")
    assert response.status_code == 200
    page = body(response)
    assert f'<html lang="{language}">' in page
    assert ("Өскемен" if language == "kk" else "Усть-Каменогорск") in page
    assert 'href="/open-data/groups/" aria-current="page"' in page
    found = seats(page)
    assert set(found) == {"Құныуақ", "Толағай", "Балапан", "Жұлдыз"}  # the city's active groups
    for name, row in found.items():
        assert row["capacity"] == row["enrolled"] + row["live_directions"] + row["open_places"], name
        assert row["unpublished"] == 0, name
    assert found["Жұлдыз"] == {
        "capacity": 4,
        "enrolled": 1,
        "live_directions": 1,
        "open_places": 2,
        "unpublished": 0,
    }
    private = "«Бөбек» балабақшасы" if language == "kk" else "Детский сад «Бөбек»"
    assert private in page


def test_the_organisation_filter_and_downloads(lived: Region, now: object, client: Client) -> None:
    in_city(client)
    organisation = lived.private_org.pk
    page = body(client.get("/open-data/groups/", {"organisation_id": organisation}))
    assert set(seats(page)) == {"Толағай", "Жұлдыз"}
    assert f'<option value="{organisation}" selected>' in page
    assert f'href="/open-data/oskemen/groups.csv?organisation_id={organisation}"' in page
    assert f'href="/api/v1/open-data/oskemen/groups?organisation_id={organisation}"' in page
    api = get_json(client, f"{API}/oskemen/groups", organisation_id=organisation)
    assert sorted(row["name"] for row in api["items"]) == ["Жұлдыз", "Толағай"]
    exported = client.get(f"/open-data/oskemen/groups.json?organisation_id={organisation}")
    assert exported.status_code == 200
    items = {row["name"]: row for row in json.loads(body(exported))["items"]}
    assert [items["Жұлдыз"][k] for k in SEATS] == [4, 1, 1, 2, 0]
    csv = body(client.get("/open-data/oskemen/groups.csv"))
    assert csv.startswith("\ufeff")
    assert len(csv.strip().splitlines()) == 1 + 4
    # An organisation of another locality, or junk: an error summary on the page, 422 for the download.
    page = body(client.get("/open-data/groups/", {"organisation_id": "x"}))
    assert 'class="error-summary"' in page
    assert "<tbody>" not in page
    assert client.get("/open-data/ridder/groups.csv", {"organisation_id": organisation}).status_code == 422
    assert client.get(f"{API}/oskemen/groups", {"organisation_id": "x"}).status_code == 422
    assert client.get("/open-data/atlantis/groups.json").status_code == 404


def test_pages_without_localities(db: None, client: Client) -> None:
    for url in ("/open-data/groups/", "/open-data/decisions/"):
        assert client.get(url).status_code == 200
