"""Place exchange in a real browser at 390 px, in Kazakh and Russian (E70–E76): a parent offers their
child's place ranking another kindergarten; the weekly round pairs it with a family there; both heads
accept; the parent sees the exchange completed."""

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Page, expect

from kezek.core.tick import tick_run
from kezek.exchange import services
from kezek.exchange.models import Exchange, ExchangeOffer
from kezek.waitlist.models import Application
from tests.browser.test_cabinet import sign_in
from tests.exchange.conftest import ROUND_DAY, kindergarten
from tests.factories import LocalityFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def round_day() -> Iterator[None]:
    with time_machine.travel(ROUND_DAY - dt.timedelta(days=1), tick=True):
        yield


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_parent_offers_a_place_and_sees_the_exchange(
    page: Page, transactional_db: None, round_day: None, language: str
) -> None:
    city = LocalityFactory.create()
    mine, theirs = kindergarten(city), kindergarten(city)
    page.goto("/cabinet/")
    page.locator(f"button[name=language][value={language}]").click()
    sign_in(page, Application.objects.filter(applicant=mine.parent).first())  # type: ignore[arg-type]
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator("a[href='/exchange/my/']").first.click()
    page.locator("#id_choice_1").select_option(str(theirs.organisation.pk))
    page.locator("form.exchange-form button[type=submit]").click()
    expect(page.locator("[data-state]")).to_have_attribute("data-state", "open")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    services.offer_make(
        applicant=theirs.parent, enrollment_id=theirs.enrollment.pk, kindergartens=[mine.organisation.pk]
    )
    with time_machine.travel(ROUND_DAY, tick=True):
        tick_run()
        exchange = Exchange.objects.get()
        for k in (mine, theirs):
            services.exchange_decide(
                exchange_id=exchange.pk, organisation_id=k.organisation.pk, by_staff=k.head, accept=True
            )
        page.reload()
        expect(page.locator("[data-state]")).to_have_attribute("data-state", "exchanged")
        expect(page.locator("[data-exchange]")).to_contain_text(theirs.group.name)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert ExchangeOffer.objects.filter(status="exchanged").count() == 2
