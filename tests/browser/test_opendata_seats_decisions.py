"""The open data pages of seats per group (P1) and of staff decisions (D1) in a phone-sized browser, in
Kazakh and Russian: reached from the open data menu, the seats of a group lived through the services add up
to its capacity, a manual stop-listing shows its document's number and never its written reason, and
neither page scrolls sideways."""

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from kezek.placement import services as placement
from kezek.waitlist import services as waitlist
from kezek.waitlist.models import Application
from tests.browser.test_pages import OVERFLOWING, in_language
from tests.factories import LocalityFactory, OrganisationFactory, basis, register_application, staff_user

pytestmark = pytest.mark.browser
REASON = "Родитель трижды не ответил на звонки отдела"
DOCUMENT = "ПР-2026/15"


@pytest.fixture
def acts(transactional_db: None) -> Application:
    """A group of three seats opened through the services, one direction taken; a manual stop-listing."""
    city = LocalityFactory.create(code="oskemen", name_ru="Усть-Каменогорск", name_kk="Өскемен")
    organisation = OrganisationFactory.create(
        locality=city, name_ru="Детский сад «Ақбота»", name_kk="«Ақбота» балабақшасы"
    )
    operator = staff_user(locality=city)
    taker, stopped = (register_application(locality=city) for _ in range(2))
    group = placement.group_open(  # its places are offered first to the queue's head (D4)
        organisation=organisation, by_staff=operator, capacity=3, academic_year=2026,
        name="Құлыншақ", language="kk", kind="general", age_from=0, age_to=8,
    )  # fmt: skip
    placement.direction_take(application=taker, group=group, applicant=taker.applicant)
    waitlist.application_stop_list(
        application=stopped,
        reason="manual",
        basis=basis(REASON, document_number=DOCUMENT),
        by_staff=operator,
    )
    return stopped


@pytest.mark.parametrize(("language", "city"), [("kk", "Өскемен"), ("ru", "Усть-Каменогорск")])
def test_seats_and_decisions_on_a_phone(
    page: Page, live_server: LiveServer, acts: Application, language: str, city: str
) -> None:
    in_language(page, live_server, language)
    page.goto("/open-data/")
    nav = page.locator("nav.opendata-nav")

    nav.locator("a[href='/open-data/groups/']").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_contain_text(city)
    row = page.locator("table.seats tbody tr", has_text="Құлыншақ")
    figures = {
        name: int(row.locator(f"td[data-seats={name}]").inner_text())
        for name in ("capacity", "enrolled", "live_directions", "open_places", "unpublished")
    }
    assert figures == {"capacity": 3, "enrolled": 0, "live_directions": 1, "open_places": 2, "unpublished": 0}
    assert page.evaluate(OVERFLOWING) == []

    nav.locator("a[href='/open-data/decisions/']").click()
    expect(nav.locator("a[href='/open-data/decisions/']")).to_have_attribute("aria-current", "page")
    expect(page.locator("h1")).to_have_count(1)
    card = page.locator("li.card.decision")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(DOCUMENT)
    expect(card).to_contain_text(str(acts.pk))
    expect(page.locator("main")).not_to_contain_text(REASON)
    expect(page.locator("main")).not_to_contain_text(acts.child.iin)
    assert page.evaluate(OVERFLOWING) == []
