"""The yearly confirmation in a real browser, on a phone: the home page's banner → the cabinet → sign-in sends
the parent to the questionnaire → six questions (Back once: the earlier answer is still there) → "Extend my
applications" → thank you → "view my questionnaire" with the new validity date."""

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from kezek.confirmation import services
from kezek.confirmation.models import Campaign, Response
from kezek.facilities.models import Organisation
from kezek.waitlist.models import Application
from tests.browser.test_cabinet import sign_in
from tests.factories import LocalityFactory, OrganisationFactory, RegistryPersonFactory, register_application

pytestmark = pytest.mark.browser
ALMATY = dt.timezone(dt.timedelta(hours=5))
REGISTERED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)
LAUNCH = dt.datetime(2026, 10, 1, 9, 0, tzinfo=ALMATY)
DURING = dt.datetime(2026, 10, 20, 12, 0, tzinfo=ALMATY)


@dataclass
class Setting:
    campaign: Campaign
    application: Application
    kindergartens: list[Organisation]


@pytest.fixture
def running(transactional_db: None) -> Iterator[Setting]:
    """An application of a child born in 2023, registered in March; the locality's campaign launched on
    1 October; the test itself on 20 October (the clock runs on from there, in the live server's thread
    too)."""
    city = LocalityFactory.create(code="temirtau", name_ru="Темиртау", name_kk="Теміртау")
    kindergartens = [
        OrganisationFactory.create(locality=city, name_ru=name, name_kk=name)
        for name in ("Ясли-сад «Айгөлек»", "Ясли-сад «Балдырған»", "Ясли-сад «Еркетай»")
    ]
    with time_machine.travel(REGISTERED, tick=False):
        child = RegistryPersonFactory.create(birth_date=dt.date(2023, 5, 1))
        application = register_application(locality=city, child=child)
    with time_machine.travel(LAUNCH, tick=False):
        operator = User.objects.create(username="operator-browser", is_staff=True)
        campaign = services.campaign_launch(locality=city, by_staff=operator)
    with time_machine.travel(DURING, tick=True):
        yield Setting(campaign=campaign, application=application, kindergartens=kindergartens)


def next_question(page: Page, number: int) -> None:
    page.locator("#step-next").click()
    expect(page.locator("#question-number")).to_contain_text(f"{number}")
    expect(page).to_have_url(re.compile(rf"/questions/{number}/$"))


def test_a_parent_confirms_through_the_questionnaire(
    page: Page, running: Setting, live_server: Any, screenshot: Callable[..., None]
) -> None:
    campaign, application = running.campaign, running.application
    first, _second, third = running.kindergartens
    valid_before = application.valid_until

    # The home page of the locality tells the parent; its button leads to the cabinet's sign-in.
    page.context.add_cookies([{"name": "kezek_locality", "value": "temirtau", "url": live_server.url}])
    page.goto("/")
    banner = page.locator("#campaign-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("01.11.2026")
    expect(banner).to_contain_text("2024")
    banner.get_by_role("link").click()
    sign_in(page, application)
    expect(page).to_have_url(re.compile(rf"/cabinet/questionnaire/{campaign.pk}/$"))
    expect(page.locator("main")).to_contain_text("01.11.2026 09:00")
    page.locator("#questionnaire-fill").click()

    # 1: kindergartens, in order of preference.
    expect(page).to_have_url(re.compile(r"/questions/1/$"))
    expect(page.locator("progress")).to_have_attribute("value", "1")
    page.select_option("#id_kindergarten_1", str(third.pk))
    page.select_option("#id_kindergarten_2", str(first.pk))
    screenshot("questionnaire")
    next_question(page, 2)
    # 2: ownership and why.
    page.check("#id_ownership input[value=state]")
    page.check("#id_ownership_reason input[value=cost]")
    next_question(page, 3)
    # 3: language; then Back from question 4 — the answer of question 3 is still chosen.
    page.check("#id_language input[value=kk]")
    next_question(page, 4)
    page.locator("#step-back").click()
    expect(page).to_have_url(re.compile(r"/questions/3/$"))
    expect(page.locator("#id_language input[value=kk]")).to_be_checked()
    next_question(page, 4)
    # 4: the most we can pay.
    page.check("#id_max_payment input[value='30000']")
    next_question(page, 5)
    # 5: extra activities.
    page.check("#id_activities input[value=chess]")
    page.check("#id_activities input[value=karate]")
    page.fill("#id_activity_other", "домбыра")
    next_question(page, 6)
    # 6: digital services, each with its hint; the button extends the applications.
    expect(page.locator("#id_digital li")).to_have_count(12)
    page.check("#id_digital input[value=meals]")
    page.locator("#step-next").click()

    expect(page).to_have_url(re.compile(rf"/cabinet/questionnaire/{campaign.pk}/thank-you/$"))
    expect(page.locator("#questionnaire-accepted")).to_be_visible()
    extended = Application.objects.get(pk=application.pk).valid_until
    assert extended == valid_before.replace(year=valid_before.year + 1)
    response = Response.objects.get(campaign=campaign)
    assert [k.organisation_id for k in response.kindergartens.all()] == [third.pk, first.pk]
    assert (response.ownership, response.ownership_reason, response.language) == ("state", "cost", "kk")

    page.locator("#questionnaire-view").click()
    expect(page).to_have_url(re.compile(rf"/cabinet/questionnaire/{campaign.pk}/answers/$"))
    expect(page.locator("#extended-applications")).to_contain_text(str(application.pk))
    expect(page.locator("#extended-applications")).to_contain_text(f"{extended:%d.%m.%Y}")
    expect(page.locator("ol.ranked li")).to_have_text([third.name_ru, first.name_ru])
    expect(page.locator("#questionnaire-answers")).to_contain_text("домбыра")

    # The cabinet now says when the parent confirmed.
    page.goto("/cabinet/")
    expect(page.locator(f"#questionnaire-answered-{campaign.pk}")).to_be_visible()
