"""Public pages in a real browser: the location asked first, organisations and a passport, open data, and
switching the language (ru → kk → en)."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from kezek.facilities.models import Locality, Organisation
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory, register_application

pytestmark = pytest.mark.browser


@dataclass
class Town:
    city: Locality
    other: Locality
    kazakh: Organisation  # Kazakh-language groups
    russian: Organisation  # Russian-language groups
    far: Organisation  # in the other locality


@pytest.fixture
def town(transactional_db: None) -> Town:
    city = LocalityFactory.create(code="oskemen", name_ru="Усть-Каменогорск", name_kk="Өскемен")
    other = LocalityFactory.create(code="ridder", name_ru="Риддер", name_kk="Риддер")
    kazakh = OrganisationFactory.create(
        locality=city, name_ru="Детский сад «Ақбота»", name_kk="«Ақбота» балабақшасы", ownership="state"
    )
    russian = OrganisationFactory.create(
        locality=city, name_ru="Детский сад «Лада»", name_kk="«Лада» балабақшасы", ownership="private"
    )
    far = OrganisationFactory.create(locality=other, name_ru="Ясли-сад Риддера", name_kk="Риддер бөбекжайы")
    GroupFactory.create(organisation=kazakh, name="Құлыншақ", language="kk", age_from=2, age_to=3)
    GroupFactory.create(organisation=russian, name="Солнышко", language="ru", age_from=3, age_to=4)
    GroupFactory.create(organisation=far, language="ru")
    for _ in range(3):
        register_application(locality=city)
    return Town(city=city, other=other, kazakh=kazakh, russian=russian, far=far)


def organisations_heading(page: Page) -> Locator:
    """The home page's "Preschool organisations: <locality>" heading."""
    names = re.compile(r"^(Дошкольные организации|Мектепке дейінгі ұйымдар|Preschool organisations): ")
    return page.get_by_role("heading", level=2, name=names)


def choose_location(page: Page, code: str) -> None:
    """The header's location selector (present on every page)."""
    page.locator("#locality-select").select_option(code)
    page.locator("header form", has=page.locator("#locality-select")).get_by_role("button").click()


def test_location_is_asked_first_then_the_home_page_shows_its_organisations(
    page: Page, town: Town, screenshot: Callable[..., None]
) -> None:
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    question = page.locator("section", has=page.locator("#choose-location"))
    expect(question.get_by_role("heading", level=2)).to_be_visible()
    screenshot("home", at=None)

    question.get_by_label("Населённый пункт").select_option("ridder")
    question.get_by_role("button").click()

    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    expect(page.locator("#choose-location")).to_have_count(0)  # asked once: the cookie remembers it
    expect(organisations_heading(page)).to_contain_text("Риддер")
    expect(page.get_by_role("link", name="Ясли-сад Риддера")).to_be_visible()
    expect(page.get_by_role("link", name="Детский сад «Лада»")).to_have_count(0)

    choose_location(page, "oskemen")  # changed later from the header
    expect(organisations_heading(page)).to_contain_text("Усть-Каменогорск")
    expect(page.get_by_role("link", name="Детский сад «Лада»")).to_be_visible()
    expect(page.get_by_role("link", name="Ясли-сад Риддера")).to_have_count(0)


def test_organisations_filter_and_passport(page: Page, town: Town, screenshot: Callable[..., None]) -> None:
    page.goto("/")
    choose_location(page, "oskemen")
    page.locator("header nav a[href='/organisations/']").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Усть-Каменогорск")
    expect(page.locator(".cards .card")).to_have_count(2)

    page.locator("form.filters select[name=language]").select_option("kk")
    page.locator("form.filters").get_by_role("button").click()
    expect(page.locator(".cards .card")).to_have_count(1)
    assert "language=kk" in page.url  # filters are in the URL: shareable, no personal data

    page.get_by_role("link", name="Детский сад «Ақбота»").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Детский сад «Ақбота»")
    expect(page.locator("dl.passport")).to_contain_text(town.kazakh.address)
    expect(page.get_by_role("table")).to_contain_text("Құлыншақ")
    screenshot("organisation")

    page.goto("/organisations/?age=42")  # an invalid filter: an error summary, not a crash
    expect(page.locator(".error-summary")).to_be_visible()


def test_open_data_pages(page: Page, town: Town, screenshot: Callable[..., None]) -> None:
    page.goto("/")
    choose_location(page, "oskemen")
    page.locator("footer a[href='/open-data/']").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Усть-Каменогорск")
    figures = page.locator("dl.figures strong")
    expect(figures).to_have_count(5)
    expect(figures.nth(0)).to_have_text("2")  # organisations in the city
    expect(figures.nth(2)).to_have_text("3")  # applications in the queue
    screenshot("open-data")

    # The protocol of freed places with the seed's filters: ownership (one publication per group here).
    page.locator("nav.opendata-nav a[href='/open-data/publications/']").click()
    cards = page.locator("main li.card")
    expect(cards).to_have_count(2)
    page.locator("form.filters input[name=ownership][value=private]").check()
    page.locator("form.filters button[type=submit]").click()
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text("Детский сад «Лада»")
    assert "ownership=private" in page.url

    nav = page.locator("nav.opendata-nav")
    for index in (1, 2, 3):  # freed places, directions, queue lists
        link = nav.get_by_role("link").nth(index)
        link.click()
        expect(link).to_have_attribute("aria-current", "page")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.url.endswith(link.get_attribute("href") or "?")


def test_switch_language_ru_kk_en(page: Page, town: Town) -> None:
    page.goto("/")
    choose_location(page, "oskemen")
    html, heading = page.locator("html"), organisations_heading(page)
    expect(html).to_have_attribute("lang", "ru")
    expect(heading).to_have_text("Дошкольные организации: Усть-Каменогорск")

    page.locator("button[name=language][value=kk]").click()
    expect(html).to_have_attribute("lang", "kk")
    expect(heading).to_have_text("Мектепке дейінгі ұйымдар: Өскемен")
    expect(page.locator("button[name=language][value=kk]")).to_have_attribute("aria-current", "true")

    page.get_by_role("link", name="«Лада» балабақшасы").click()  # the choice holds on the next page
    expect(html).to_have_attribute("lang", "kk")
    expect(page.get_by_role("heading", level=1)).to_have_text("«Лада» балабақшасы")

    page.locator("button[name=language][value=en]").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=2, name="Groups", exact=True)).to_be_visible()
    assert page.url.endswith(f"/organisations/{town.russian.pk}/")  # stays on the same page
