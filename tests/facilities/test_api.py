import pytest
from django.test import Client

from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return LocalityFactory(code="oskemen", name_ru="Усть-Каменогорск", name_kk="Өскемен")


def test_localities_paginated(client: Client, city) -> None:
    response = client.get("/api/v1/localities")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0]["code"] == "oskemen"


def test_organisation_filters(client: Client, city) -> None:
    other_city = LocalityFactory()
    state_kk = OrganisationFactory.create(locality=city, ownership="state", kind="kindergarten")
    GroupFactory(organisation=state_kk, language="kk", age_from=2, age_to=3)
    private_ru = OrganisationFactory.create(locality=city, ownership="private", kind="mini_centre")
    GroupFactory(organisation=private_ru, language="ru", age_from=4, age_to=5)
    OrganisationFactory.create(locality=other_city)

    def ids(**params: str | int) -> set[int]:
        response = client.get("/api/v1/organisations", {"locality": "oskemen", **params})
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    assert ids() == {state_kk.pk, private_ru.pk}
    assert ids(ownership="private") == {private_ru.pk}
    assert ids(kind="kindergarten") == {state_kk.pk}
    assert ids(language="kk") == {state_kk.pk}
    assert ids(age_from=4, age_to=5) == {private_ru.pk}
    assert ids(age_from=0, age_to=2) == set()


@pytest.mark.parametrize(
    "params",
    [
        {"ownership": "municipal"},
        {"language": "fr"},
        {"age_from": 5, "age_to": 3},
        {"age_from": -1},
        {"age_to": 99},
        {"page": 0},
    ],
)
def test_organisation_filters_reject_bad_input(client: Client, city, params: dict[str, str | int]) -> None:
    response = client.get("/api/v1/organisations", params)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_unknown_locality_is_404(client: Client) -> None:
    response = client.get("/api/v1/organisations", {"locality": "atlantis"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_organisation_detail_has_passport_and_groups(client: Client, city) -> None:
    org = OrganisationFactory.create(locality=city)
    GroupFactory(organisation=org, language="kk", age_from=2, age_to=3, capacity=20)
    GroupFactory(organisation=org, language="ru", age_from=3, age_to=4, capacity=25)
    GroupFactory(organisation=org, language="en", age_from=3, age_to=4, is_active=False)
    response = client.get(f"/api/v1/organisations/{org.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["bin"] == org.bin
    assert body["languages"] == ["kk", "ru"]
    groups = [(g["age_from"], g["language"], g["capacity"]) for g in body["groups"]]
    assert groups == [(2, "kk", 20), (3, "ru", 25)]
    assert {"opens_at", "closes_at", "work_week", "duty_group", "base_fees", "latitude"} <= body.keys()


def test_organisation_detail_missing_is_404(client: Client) -> None:
    response = client.get("/api/v1/organisations/999999")
    assert response.status_code == 404


def test_openapi_declares_error_statuses(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    detail = schema["paths"]["/api/v1/organisations/{organisation_id}"]["get"]["responses"]
    assert {"200", "404", "422"} <= detail.keys()
    assert client.get("/api/v1/docs").status_code == 200


def test_healthz(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
