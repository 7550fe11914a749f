"""Every public page in a real phone-sized browser, in Kazakh, Russian and English: it answers, says its
language, has one h1 and a title, starts with the skip link for keyboard users, fits the screen's width, and
logs no console error (a CSP violation is one). And the complaints journey: send → reference → status."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from kezek.facilities.models import Group, Organisation
from kezek.feedback.models import Feedback
from tests.factories import (
    BaseFeeFactory,
    EducationDepartmentFactory,
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    register_application,
)

pytestmark = pytest.mark.browser


@dataclass
class Town:
    organisation: Organisation
    group: Group


@pytest.fixture
def town(transactional_db: None) -> Town:
    city = LocalityFactory.create(code="oskemen", name_ru="Усть-Каменогорск", name_kk="Өскемен")
    EducationDepartmentFactory.create(locality=city)
    organisation = OrganisationFactory.create(
        locality=city, name_ru="Детский сад «Ақбота»", name_kk="«Ақбота» балабақшасы"
    )
    BaseFeeFactory.create(organisation=organisation, age_from=2, age_to=3)
    register_application(locality=city)
    group = GroupFactory.create(organisation=organisation, name="Құлыншақ", capacity=3)  # seats published
    return Town(organisation=organisation, group=group)


# The innermost elements whose right edge passes the screen's (the page then scrolls sideways).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const right = (e) => e.getBoundingClientRect().right;
  const wide = [...document.querySelectorAll("body *")].filter((e) => right(e) > width + 0.5);
  const name = (e) => [e.localName, ...e.classList].join(".") + ` "${e.textContent.trim().slice(0, 30)}"`;
  return wide.filter((e) => !wide.some((o) => o !== e && e.contains(o))).slice(0, 5)
    .map((e) => `${name(e)} ends at ${Math.round(right(e))}px`);
}"""


def public_pages(town: Town) -> list[str]:
    return [
        "/",
        "/organisations/",
        f"/organisations/{town.organisation.pk}/",
        "/open-data/",
        "/open-data/publications/",
        "/open-data/directions/",
        "/open-data/queue/",
        "/queue/check/",
        "/queue/join/phones/",
        "/places/",
        f"/places/organisations/{town.organisation.pk}/",
        f"/places/groups/{town.group.pk}/",
        "/cabinet/login/",
        "/cabinet/password/forgot/",
        "/cabinet/access/",
        "/feedback/",
        "/feedback/corruption/",
        "/feedback/status/",
        "/faq/",
        "/how-places-are-distributed/",
    ]


def in_language(page: Page, live_server: LiveServer, language: str) -> None:
    """The language and location cookies, as the header's switches set them."""
    page.context.add_cookies(
        [
            {"name": "kezek_language", "value": language, "url": live_server.url},
            {"name": "kezek_locality", "value": "oskemen", "url": live_server.url},
        ]
    )


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_public_pages(page: Page, live_server: LiveServer, town: Town, language: str) -> None:
    in_language(page, live_server, language)
    for url in public_pages(town):
        response = page.goto(url)
        assert response is not None
        assert response.status == 200, url
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("h1"), url).to_have_count(1)
        assert page.title().strip(), url
    page.keyboard.press("Tab")  # the first stop is the skip link
    expect(page.locator(":focus")).to_have_attribute("href", "#main")


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_public_pages_fit_a_phone_screen(
    page: Page, live_server: LiveServer, town: Town, language: str
) -> None:
    """Mobile first: no page scrolls sideways on a 390 px wide phone (a wide table scrolls in its own box)."""
    in_language(page, live_server, language)
    too_wide: list[str] = []
    for url in public_pages(town):
        page.goto(url)
        too_wide += [f"{url}: {element}" for element in page.evaluate(OVERFLOWING)]
    assert not too_wide, "wider than the phone's screen (a sideways scroll):\n" + "\n".join(too_wide)


def test_send_a_complaint_and_follow_its_status(
    page: Page, town: Town, screenshot: Callable[..., None]
) -> None:
    page.goto(f"/feedback/?organisation={town.organisation.pk}")
    expect(page.locator("input[name=kind][value=organisation]")).to_be_checked()
    expect(page.locator("#id_organisation")).to_have_value(str(town.organisation.pk))
    page.fill("#id_text", "В группе холодно, батареи не греют уже неделю.")
    page.fill("#id_contact_name", "Айгүл")
    page.fill("#id_phone", "+7 701 555 03 03")
    page.locator("main form.form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/feedback/sent/[^/]+/$"))
    feedback = Feedback.objects.get()
    assert feedback.reference in page.url
    assert "555" not in page.url  # no personal data in the address
    expect(page.locator("main")).to_contain_text(feedback.reference)
    expect(page.locator("main")).not_to_contain_text("Айгүл")  # not echoed on the reference page
    screenshot("feedback-sent")

    page.goto("/feedback/status/")
    page.fill("#id_reference", feedback.reference.lower())
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/feedback/status/{re.escape(feedback.reference)}/$"))
    expect(page.locator("main")).to_contain_text(feedback.reference)


def test_anonymous_corruption_report(page: Page, town: Town) -> None:
    page.goto("/feedback/corruption/")
    expect(page.locator("input[name=kind][value=corruption]")).to_be_checked()
    page.fill("#id_text", "За место в садике просили деньги, без этого обещали не дать направление.")
    page.locator("main form.form button[type=submit]").click()  # no name, no phone: anonymous
    expect(page).to_have_url(re.compile(r"/feedback/sent/[^/]+/$"))
    report = Feedback.objects.get()
    assert (report.kind, report.contact_name, report.phone) == ("corruption", "", "")
    expect(page.locator("main")).to_contain_text(report.reference)
