"""The open data API (O1–O4): figures, both protocols and their filters, queue lists; paging, 404, 422."""

import datetime as dt

import pytest
from django.test import Client

from kezek.core.tick import tick_run
from kezek.placement import services
from kezek.placement.models import Direction, Enrollment
from kezek.waitlist.models import Child, StopListEntry
from tests.factories import GroupFactory, OrganisationFactory
from tests.opendata.conftest import ALMATY, NOW, Region, at
from tests.opendata.helpers import API, body, get_json

pytestmark = pytest.mark.django_db


def numbers(items: list[dict]) -> list[int | None]:
    return [item["number"] for item in items]


# ---------------------------------------------------------------------------------------------- O1


def test_figures(region: Region, now: object, client: Client) -> None:
    assert get_json(client, f"{API}/oskemen/figures") == {
        "locality": "oskemen",
        "as_of": "2026-12-07",
        "recent_days": 5,
        "organisations": 2,
        # The departure's place, the correctional group's, and the overdue direction's seat (read as the
        # sweep will publish it again).
        "free_places": 3,
        "queued": 6,
        "enrolled_recently": 2,  # by direction on 3 Dec, the staff child on 4 Dec
        "left_recently": 1,  # on 6 Dec
    }
    ridder = get_json(client, f"{API}/ridder/figures")
    # Its only direction is overdue too: the seat reads free, the application stop-listed (P5).
    assert (ridder["organisations"], ridder["free_places"], ridder["queued"]) == (1, 1, 0)


def test_figures_window_is_the_last_five_days(region: Region, client: Client) -> None:
    with at(dt.datetime(2026, 12, 10, 12, 0, tzinfo=ALMATY)):  # 6–10 Dec
        figures = get_json(client, f"{API}/oskemen/figures")
    assert (figures["enrolled_recently"], figures["left_recently"]) == (0, 1)
    with at(dt.datetime(2026, 12, 11, 12, 0, tzinfo=ALMATY)):  # 7–11 Dec
        figures = get_json(client, f"{API}/oskemen/figures")
    assert (figures["enrolled_recently"], figures["left_recently"]) == (0, 0)


def test_figures_count_a_due_restoration_before_the_sweep(region: Region, client: Client) -> None:
    with at(NOW):
        tick_run()  # the overdue direction expires: its application goes to the stop-list (P5)
        figures = get_json(client, f"{API}/oskemen/figures")
        assert figures["queued"] == 6
        assert figures["free_places"] == 3  # the expired direction's place is published again
    entry = StopListEntry.objects.get(application_id=region.overdue.application_id)
    assert entry.restore_on is not None
    with at(dt.datetime.combine(entry.restore_on, dt.time(8), tzinfo=ALMATY)):
        assert get_json(client, f"{API}/oskemen/figures")["queued"] == 7  # no tick yet
        # The queue list and its cohort agree with the figures (as `queue_page` counts).
        assert get_json(client, f"{API}/oskemen/queue")["items"] == [
            {"year": 2023, "size": 1},
            {"year": 2024, "size": 6},
        ]
        page = get_json(client, f"{API}/oskemen/queue/2024")
        assert page["count"] == 6
        assert region.overdue.application_id in [row["number"] for row in page["items"]]


# ---------------------------------------------------------------------------------------------- O2


def test_publications_newest_first_with_every_column(region: Region, now: object, client: Client) -> None:
    page = get_json(client, f"{API}/oskemen/publications")
    assert page["count"] == 3
    assert numbers(page["items"]) == [
        region.departure.pk,
        region.correctional_publication.pk,
        region.first.pk,
    ]
    assert page["items"][1] == {
        "number": region.correctional_publication.pk,
        "published_at": "2026-12-04T07:00:00Z",
        "priority_until": "2026-12-05T02:00:00Z",  # 07:00 in Almaty the next day (P2)
        "places": 1,
        "cause": "capacity",
        "policy": "window",
        "organisation": {
            "id": region.private_org.pk,
            "name_ru": "Детский сад «Бөбек»",
            "name_kk": "«Бөбек» балабақшасы",
            "address": region.private_org.address,
            "ownership": "private",
        },
        "group": {"name": "Толағай", "age_from": 3, "age_to": 4, "language": "ru", "kind": "correctional"},
    }
    assert page["items"][0]["cause"] == "departure"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"ownership": "private"}, ["correctional_publication"]),
        ({"ownership": ["state", "private"]}, ["departure", "correctional_publication", "first"]),
        ({"kind": "correctional"}, ["correctional_publication"]),
        ({"kind": "general"}, ["departure", "first"]),
        ({"age": "2-3"}, ["departure", "first"]),
        ({"age": ["3-4", "2-3"]}, ["departure", "correctional_publication", "first"]),
        ({"age": "4-5"}, []),
        ({"date_from": "2026-12-04"}, ["departure", "correctional_publication"]),
        ({"date_to": "2026-11-30"}, ["first"]),
        ({"date_from": "2026-12-04", "date_to": "2026-12-04"}, ["correctional_publication"]),
        ({"organisation": "Бөбек"}, ["correctional_publication"]),
        ({"organisation": "балабақшасы"}, ["departure", "correctional_publication", "first"]),  # name_kk
        ({"organisation": "Ақбота", "age": "2-3", "date_from": "2026-12-01"}, ["departure"]),
    ],
)
def test_publication_filters(
    region: Region, now: object, client: Client, params: dict, expected: list[str]
) -> None:
    page = get_json(client, f"{API}/oskemen/publications", **params)
    assert numbers(page["items"]) == [getattr(region, name).pk for name in expected]
    assert page["count"] == len(expected)


def test_publication_dates_are_local_days(region: Region, client: Client) -> None:
    """Published at 00:30 in Almaty on 8 Dec (19:30 UTC on 7 Dec): it belongs to 8 Dec."""
    group = GroupFactory.create(organisation=region.state_org, age_from=5, age_to=6, capacity=1)
    with at(dt.datetime(2026, 12, 8, 0, 30, tzinfo=ALMATY)):
        late = services.places_publish(group=group)
        assert late is not None
        assert numbers(get_json(client, f"{API}/oskemen/publications", date_from="2026-12-08")["items"]) == [
            late.pk
        ]
        assert late.pk not in numbers(
            get_json(client, f"{API}/oskemen/publications", date_to="2026-12-07")["items"]
        )


@pytest.mark.postgres
def test_organisation_search_ignores_case_of_cyrillic(region: Region, now: object, client: Client) -> None:
    page = get_json(client, f"{API}/oskemen/publications", organisation="бөбек")
    assert numbers(page["items"]) == [region.correctional_publication.pk]


def test_publications_are_per_locality(region: Region, now: object, client: Client) -> None:
    ridder = get_json(client, f"{API}/ridder/publications")
    assert ridder["count"] == 1
    assert ridder["items"][0]["organisation"]["name_ru"] == "Ясли-сад Риддера"


def test_publications_pagination(region: Region, now: object, client: Client) -> None:
    second = get_json(client, f"{API}/oskemen/publications", page=2, page_size=1)
    assert (second["count"], numbers(second["items"])) == (3, [region.correctional_publication.pk])
    assert get_json(client, f"{API}/oskemen/publications", page=9, page_size=1)["items"] == []
    for bad in ({"page": 0}, {"page_size": 0}, {"page_size": 201}, {"page": 100_001}):
        assert client.get(f"{API}/oskemen/publications", bad).status_code == 422, bad


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-01"},
        {"date_from": "yesterday"},
        {"date_from": "2026-12-05", "date_to": "2026-12-01"},
        {"date_to": "1999-12-31"},
        {"date_from": "9999-12-31"},
        {"age": "3-2"},
        {"age": "3"},
        {"age": "3-9"},
        {"age": ["2-3", "x"]},
        {"ownership": "municipal"},
        {"kind": "any"},
        {"organisation": "x" * 101},
    ],
)
def test_publication_filters_are_validated(region: Region, client: Client, params: dict) -> None:
    response = client.get(f"{API}/oskemen/publications", params)
    assert response.status_code == 422, params
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"]


# ---------------------------------------------------------------------------------------------- O3


def test_directions_protocol(region: Region, now: object, client: Client) -> None:
    page = get_json(client, f"{API}/oskemen/directions")
    assert page["count"] == 3
    staff, overdue, enrolled = page["items"]
    assert staff == {
        "kind": "staff_child",
        "number": None,
        "application": None,
        "issued_at": None,
        "valid_until": None,
        "enrolled_on": "2026-12-04",
        "state": "enrolled",
        "staff_child": True,  # P7: marked publicly
        "organisation": {
            "id": region.state_org.pk,
            "name_ru": "Детский сад «Ақбота»",
            "name_kk": "«Ақбота» балабақшасы",
        },
        "group": {"age_from": 4, "age_to": 5, "language": "ru"},
    }
    assert overdue == {
        "kind": "direction",
        "number": region.overdue.pk,
        "application": region.overdue.application_id,
        "issued_at": "2026-11-27T05:00:00Z",
        "valid_until": "2026-12-04T19:00:00Z",
        "enrolled_on": None,
        "state": "expired",  # as it is now, though the sweep has not run
        "staff_child": False,
        "organisation": staff["organisation"],
        "group": {"age_from": 2, "age_to": 3, "language": "kk"},
    }
    assert Direction.objects.get(pk=region.overdue.pk).state == "awaiting_enrollment"
    assert (enrolled["number"], enrolled["state"], enrolled["enrolled_on"]) == (
        region.enrolled.pk,
        "enrolled",
        "2026-12-03",
    )


def test_direction_state_before_its_deadline(region: Region, client: Client) -> None:
    with at(dt.datetime(2026, 12, 4, 23, 59, tzinfo=ALMATY)):
        items = get_json(client, f"{API}/oskemen/directions")["items"]
    assert [i["state"] for i in items if i["number"] == region.overdue.pk] == ["awaiting_enrollment"]


def test_staff_child_mark_of_a_direction(region: Region, now: object, client: Client) -> None:
    Enrollment.objects.filter(direction=region.enrolled).update(staff_child=True, staff_reason="Приказ № 7")
    items = get_json(client, f"{API}/oskemen/directions")["items"]
    assert [(i["number"], i["staff_child"]) for i in items] == [
        (None, True),
        (region.overdue.pk, False),
        (region.enrolled.pk, True),
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [None, "overdue", "enrolled"]),
        ({"language": "kk"}, ["overdue", "enrolled"]),
        ({"language": "ru"}, [None]),
        ({"language": ["ru", "kk"]}, [None, "overdue", "enrolled"]),
        ({"language": "en"}, []),
        ({"age": "2-3"}, ["overdue", "enrolled"]),
        ({"age": "4-5"}, [None]),
        ({"organisation": "Ақбота"}, [None, "overdue", "enrolled"]),
        ({"organisation": "Бөбек"}, []),
        ({"language": "kk", "age": "4-5"}, []),
    ],
)
def test_direction_filters(
    region: Region, now: object, client: Client, params: dict, expected: list[str | None]
) -> None:
    page = get_json(client, f"{API}/oskemen/directions", **params)
    assert numbers(page["items"]) == [getattr(region, name).pk if name else None for name in expected]
    assert page["count"] == len(expected)


def test_directions_pagination_and_locality(region: Region, now: object, client: Client) -> None:
    page = get_json(client, f"{API}/oskemen/directions", page=2, page_size=2)
    assert (page["count"], numbers(page["items"])) == (3, [region.enrolled.pk])
    ridder = get_json(client, f"{API}/ridder/directions")
    assert ridder["count"] == 1
    assert ridder["items"][0]["state"] == "expired"


@pytest.mark.parametrize("params", [{"language": "de"}, {"age": "5-5"}, {"organisation": "y" * 101}])
def test_direction_filters_are_validated(region: Region, client: Client, params: dict) -> None:
    response = client.get(f"{API}/oskemen/directions", params)
    assert (response.status_code, response.json()["code"]) == (422, "invalid")


def test_lists_cost_the_same_queries_for_more_rows(
    region: Region, client: Client, django_assert_num_queries
) -> None:
    """No N+1: a page is the locality, a count and one query for the rows, however many rows."""
    with at(NOW):
        for url in (f"{API}/oskemen/directions", f"{API}/oskemen/publications"):
            with django_assert_num_queries(3):
                get_json(client, url)
    with at(dt.datetime(2026, 12, 5, 10, 0, tzinfo=ALMATY)):
        for age in (5, 6):
            group = GroupFactory.create(organisation=region.private_org, age_from=age, age_to=age + 1)
            services.places_publish(group=group)
        in_groups = Enrollment.objects.filter(left_on__isnull=True).values("child_id")
        for child in Child.objects.exclude(pk__in=in_groups)[:3]:
            Enrollment.objects.create(
                group=group,
                child=child,
                staff_child=True,
                staff_reason="Приказ",
                enrolled_on=dt.date(2026, 12, 5),
            )
    with at(NOW):
        for url, count in ((f"{API}/oskemen/directions", 6), (f"{API}/oskemen/publications", 5)):
            with django_assert_num_queries(3):
                assert get_json(client, url)["count"] == count


# ---------------------------------------------------------------------------------------------- O4


def test_cohorts_and_queue_list(region: Region, now: object, client: Client) -> None:
    assert get_json(client, f"{API}/oskemen/queue") == {
        "items": [{"year": 2023, "size": 1}, {"year": 2024, "size": 5}],
        "count": 2,
    }
    page = get_json(client, f"{API}/oskemen/queue/2024")
    assert page["count"] == 5
    assert [(r["position"], r["tier"]) for r in page["items"]] == [
        (1, "extraordinary"),
        (2, "first_priority"),
        (3, "general"),
        (4, "general"),
        (5, "general"),
    ]
    assert [r["number"] for r in page["items"]][2:] == [a.pk for a in region.queued[:3]]
    first = page["items"][0]
    assert set(first) == {"position", "number", "tier", "registered_at", "initials"}
    assert first["registered_at"] == "2026-12-01T04:00:00Z"
    assert first["initials"].count(".") == 2
    second = get_json(client, f"{API}/oskemen/queue/2024", page=2, page_size=2)
    assert (second["count"], [r["position"] for r in second["items"]]) == (5, [3, 4])
    assert get_json(client, f"{API}/oskemen/queue/2021") == {"items": [], "count": 0}


def test_queue_list_validation(region: Region, client: Client) -> None:
    for url in (f"{API}/oskemen/queue/1999", f"{API}/oskemen/queue/2101", f"{API}/oskemen/queue/next"):
        response = client.get(url)
        assert (response.status_code, response.json()["code"]) == (422, "invalid"), url


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/%00/figures",
        f"{API}/a%20b/queue/2024",
        f"{API}/oskemen/publications?organisation=%00",
        f"{API}/oskemen/directions?organisation=a%00b",
    ],
)
def test_text_that_no_database_column_can_hold_is_422(region: Region, client: Client, url: str) -> None:
    """PostgreSQL refuses NUL in text: such input is invalid (422), never a server error."""
    response = client.get(url)
    assert (response.status_code, response.json()["code"]) == (422, "invalid")


@pytest.mark.parametrize(
    "path",
    ["figures", "groups", "publications", "directions", "queue", "queue/2024", "confirmations", "decisions"],
)
def test_unknown_locality_is_404(db: None, client: Client, path: str) -> None:
    response = client.get(f"{API}/atlantis/{path}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_every_open_data_status_is_declared(client: Client, db: None) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = {  # the transparency log's are checked in tests/translog
        p: v
        for p, v in schema["paths"].items()
        if p.startswith("/api/v1/open-data/") and not p.startswith("/api/v1/open-data/log/")
    }
    # figures, groups, publications, directions, queue, queue/{cohort}, confirmations, decisions, funding
    # (E29); and the region's latest integrity check, which has no locality to validate (no 422).
    assert len(paths) == 10
    for path, operations in paths.items():
        expected = {"200", "404"} if path.endswith("/integrity") else {"200", "404", "422"}
        assert set(operations["get"]["responses"]) == expected, path
    assert body(client.get(f"{API}/x/figures")).startswith("{")


def test_organisation_without_groups_is_counted(region: Region, now: object, client: Client) -> None:
    OrganisationFactory.create(locality=region.city, name_ru="Новый сад", name_kk="Жаңа бақша")
    OrganisationFactory.create(locality=region.city, is_active=False)
    assert get_json(client, f"{API}/oskemen/figures")["organisations"] == 3


def test_direction_waiting_for_benefit_confirmation_is_public(
    region: Region, now: object, client: Client
) -> None:
    """The seed's protocol shows "На подтверждении льготы": the state is public, the benefit is not."""
    extraordinary = next(a for a in region.queued if a.tier == "extraordinary")
    direction = services.direction_take(
        application=extraordinary, group=region.toddlers, applicant=extraordinary.applicant
    )
    first = get_json(client, f"{API}/oskemen/directions")["items"][0]
    assert (first["number"], first["application"], first["state"]) == (
        direction.pk,
        extraordinary.pk,
        "benefit_confirmation",
    )
    assert "tier" not in first
    assert "benefit" not in str(sorted(first))
