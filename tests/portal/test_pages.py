import pytest
from django.test import Client

from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    city = LocalityFactory(code="oskemen", name_ru="Усть-Каменогорск", name_kk="Өскемен")
    organisation = OrganisationFactory.create(
        locality=city, name_ru="Детский сад «Лада»", name_kk="«Лада» балабақшасы", ownership="private"
    )
    GroupFactory(organisation=organisation, language="kk", age_from=2, age_to=3)
    return organisation


def test_home_asks_for_the_location_and_shows_no_other_locations_data(client: Client, org) -> None:
    other = LocalityFactory(code="abai", name_ru="Абай", name_kk="Абай")  # first by name
    OrganisationFactory.create(locality=other, name_ru="Ясли-сад Абая")
    html = client.get("/").content.decode()
    assert 'id="choose-location"' in html
    assert "Ясли-сад Абая" not in html
    assert "Детский сад «Лада»" not in html
    assert "Дошкольные организации:" not in html  # the heading of a location's organisations
    assert 'class="figures"' not in html


def test_home_lists_organisations_in_russian_by_default(client: Client, org) -> None:
    client.post("/location/", {"locality": "oskemen", "next": "/"})
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ru">' in html
    assert "Детский сад «Лада»" in html
    assert "Усть-Каменогорск" in html


def test_home_in_kazakh(client: Client, org) -> None:
    client.post("/location/", {"locality": "oskemen", "next": "/"})
    client.post("/i18n/setlang/", {"language": "kk", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="kk">' in html
    assert "«Лада» балабақшасы" in html
    assert "Өскемен" in html


def test_location_selector_sets_cookie_and_filters(client: Client, org) -> None:
    other = LocalityFactory(code="ridder", name_ru="Риддер", name_kk="Риддер")
    OrganisationFactory.create(locality=other, name_ru="Ясли-сад Риддера")
    html = client.get("/").content.decode()
    assert 'name="locality"' in html  # asked first, before a location is chosen
    response = client.post("/location/", {"locality": "ridder", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "Ясли-сад Риддера" in html
    assert "Детский сад «Лада»" not in html


def test_location_rejects_unknown_and_foreign_redirects(client: Client, org) -> None:
    assert client.post("/location/", {"locality": "atlantis"}).status_code == 404
    response = client.post("/location/", {"locality": "oskemen", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_organisation_list_filters_and_errors(client: Client, org) -> None:
    assert "Лада" in client.get("/organisations/", {"language": "kk"}).content.decode()
    assert "Лада" not in client.get("/organisations/", {"language": "ru"}).content.decode()
    response = client.get("/organisations/", {"age": "42"})
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()


def test_passport_page(client: Client, org) -> None:
    response = client.get(f"/organisations/{org.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert org.address in html
    assert client.get("/organisations/999999/").status_code == 404


def test_the_favicon_is_served_and_linked(client: Client) -> None:
    """Browsers ask /favicon.ico whatever the page says (issue 15, item 16: it answered 404)."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content.startswith(b"\x00\x00\x01\x00")  # an ICO file's header
    assert '<link rel="icon" href="/static/favicon.ico"' in client.get("/").content.decode()
