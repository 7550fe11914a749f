"""Vouchers in a real browser at 390 px, in Kazakh and Russian (E32, E34): a parent confirms the voucher
and chooses a kindergarten; the contract is signed (a direction)."""

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Page, expect

from kezek.placement import services as placement
from kezek.placement.models import Direction
from kezek.vouchers.models import Voucher
from tests.browser.test_cabinet import sign_in
from tests.factories import (
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    register_application,
)

pytestmark = pytest.mark.browser
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)


@pytest.fixture
def monday() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=True):
        yield


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_parent_confirms_a_voucher_and_chooses_a_kindergarten(
    page: Page, transactional_db: None, monday: None, language: str
) -> None:
    city = LocalityFactory.create(code="taraz", name_ru="Тараз", name_kk="Тараз")
    placement.placement_settings_update(locality=city, distribution_policy="voucher")
    mine = register_application(
        locality=city,
        child=RegistryPersonFactory.create(birth_date=dt.date(2024, 2, 1), first_name="Айгерім"),
    )
    organisation = OrganisationFactory.create(
        locality=city, name_ru="Детский сад «Балапан»", name_kk="«Балапан» балабақшасы"
    )
    # Saving the group publishes its seat on commit; the voucher is issued right after (E31).
    GroupFactory.create(organisation=organisation, capacity=1, age_from=2, age_to=3)
    voucher = Voucher.objects.get(application=mine)
    page.goto("/cabinet/")
    page.locator(f"button[name=language][value={language}]").click()
    sign_in(page, mine)
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator("a[href='/vouchers/']").first.click()
    page.locator(f"a[href='/vouchers/{voucher.pk}/']").click()
    expect(page.locator("[data-state]")).to_have_attribute("data-state", "issued")
    page.locator(f"form[action='/vouchers/{voucher.pk}/confirm/'] button").click()
    expect(page.locator("[data-state]")).to_have_attribute("data-state", "confirmed")
    select = page.locator("#id_organisation")
    expect(select).to_contain_text(organisation.name_kk if language == "kk" else organisation.name_ru)
    select.select_option(str(organisation.pk))
    page.locator(f"form[action='/vouchers/{voucher.pk}/sign/'] button").click()
    expect(page.locator("[data-state]")).to_have_attribute("data-state", "contracted")
    direction = Direction.objects.get(application=mine)
    expect(page.locator(f"a[href='/places/directions/{direction.pk}/']")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
