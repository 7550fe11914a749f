"""Open data per group (P1): capacity = enrolled + live directions + open places, for every group, always
(a seat freed in SQL shows as unpublished until the next `tick` publishes it)."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kezek.core.tick import tick_run
from kezek.facilities.models import Group
from kezek.opendata import selectors
from tests.opendata.conftest import NOW, Region, at
from tests.opendata.helpers import API, get_json

pytestmark = pytest.mark.django_db
SEATS = ("enrolled", "live_directions", "open_places", "unpublished")


def rows(client: Client) -> dict[str, dict[str, Any]]:
    page = get_json(client, f"{API}/oskemen/groups")
    return {row["name"]: row for row in page["items"]}


def test_every_group_shows_its_seats_summing_to_its_capacity(region: Region, client: Client) -> None:
    with at(NOW):
        found = rows(client)
    assert set(found) == {"Құныуақ", "Толағай", "Балапан"}  # the city's groups only
    for row in found.values():
        assert sum(row[name] for name in SEATS) == row["capacity"]
        assert row["unpublished"] == 0
    # Құныуақ: its child left (published again) and its other direction is overdue (its seat is free, P5).
    toddlers = found["Құныуақ"]
    assert (toddlers["enrolled"], toddlers["live_directions"], toddlers["open_places"]) == (0, 0, 2)
    assert toddlers["organisation"]["id"] == region.state_org.pk
    assert (found["Балапан"]["enrolled"], found["Балапан"]["open_places"]) == (1, 0)  # the staff child
    assert found["Толағай"]["open_places"] == 1


def test_a_capacity_raised_in_sql_shows_unpublished_until_the_tick(region: Region, client: Client) -> None:
    Group.objects.filter(pk=region.older.pk).update(capacity=4)
    with at(NOW):
        assert rows(client)["Балапан"]["unpublished"] == 3
        tick_run()
        older = rows(client)["Балапан"]
    assert (older["capacity"], older["enrolled"], older["open_places"], older["unpublished"]) == (4, 1, 3, 0)


def test_one_statement_per_locality_or_organisation(region: Region) -> None:
    with at(NOW), CaptureQueriesContext(connection) as queries:
        everyone = list(selectors.group_seats(locality=region.city))
        mine = list(selectors.group_seats(locality=region.city, organisation_id=region.private_org.pk))
    assert len(queries) == 2
    assert len(everyone) == 3
    assert [group.name for group in mine] == ["Толағай"]
