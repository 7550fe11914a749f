"""The queue in a real browser: join the queue end to end (two SMS codes read from the outbox, names from
the registry, a certificate uploaded, going back keeps what was typed), then check the queue by IIN."""

import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import FilePayload, Page, expect
from pytest_django.live_server_helper import LiveServer

from kezek.core import clock
from kezek.facilities.models import Locality
from kezek.notifications.selectors import outbox_latest
from kezek.waitlist.models import Application
from tests.browser.conftest import last_code
from tests.factories import (
    LocalityFactory,
    RegistryBenefitFactory,
    RegistryKinshipFactory,
    RegistryPersonFactory,
    register_application,
)
from tests.factories.waitlist import PDF, ensure_benefit_categories

pytestmark = pytest.mark.browser
PHONE, PHONE_ALT = "+77015550101", "+77075550202"


@pytest.fixture
def city(transactional_db: None) -> Locality:
    ensure_benefit_categories()  # the live server's tests flush the database, migrated rows included
    return LocalityFactory.create(code="oskemen", name_ru="Усть-Каменогорск", name_kk="Өскемен")


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def next_step(page: Page) -> None:
    page.locator("#step-next").click()


# The benefit categories as the wizard names them: (first priority found in the register, extraordinary).
CATEGORIES = {
    "ru": ("Дети из многодетных семей", "Дети военнослужащих"),
    "kk": ("Көп балалы отбасылардың балалары", "Әскери қызметшілердің балалары"),
}


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_join_the_queue_end_to_end(
    page: Page, live_server: LiveServer, city: Locality, language: str, screenshot: Callable[..., None]
) -> None:
    first_priority, extraordinary = CATEGORIES[language]
    page.context.add_cookies([{"name": "kezek_language", "value": language, "url": live_server.url}])
    if language != "ru":
        screenshot = lambda *args, **kwargs: None  # noqa: E731  (the README shows the Russian pages)
    applicant = RegistryPersonFactory.create(
        adult=True, last_name="Серікова", first_name="Әсел", middle_name="Болатқызы", sex="F"
    )
    child = RegistryPersonFactory.create(
        birth_date=clock.today() - dt.timedelta(days=500), last_name="Серіков", first_name="Нұрлан", sex="M"
    )
    RegistryKinshipFactory.create(parent=applicant, child=child)
    RegistryBenefitFactory.create(person=child, category="large_family")  # first priority, in the register

    page.goto("/queue/join/")
    expect(page).to_have_url(re.compile(r"/queue/join/phones/$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#wizard-steps li[aria-current=step]")).to_have_count(1)

    # Step 1: two phones, then the two SMS codes (read from the outbox, as the phones would show them).
    page.fill("#id_phone", "+7 701 555 01 01")
    page.fill("#id_phone_alt", "+7 707 555 02 02")
    next_step(page)
    expect(page.locator("#phone-status-phone strong")).to_be_visible()
    assert PHONE not in page.content()  # the numbers are shown masked
    page.fill("#id_code", wrong(last_code(PHONE)))  # a mistyped code first
    page.fill("#id_code_alt", last_code(PHONE_ALT))
    next_step(page)
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#phone-status-phone_alt .status")).to_be_visible()  # the right one is kept
    page.fill("#id_code", last_code(PHONE))
    next_step(page)

    # Step 2: the IINs; the names come from the register and are confirmed.
    expect(page).to_have_url(re.compile(r"/queue/join/persons/$"))
    page.fill("#id_applicant_iin", applicant.iin)
    page.fill("#id_child_iin", child.iin)
    page.locator("#lookup").click()
    expect(page.locator("#found-applicant")).to_have_text("Серікова Әсел Болатқызы")
    expect(page.locator("#found-child")).to_contain_text("Серіков Нұрлан")
    screenshot("join-persons", at="#step-heading")
    next_step(page)

    # Step 3: the address; "Back" from the next step keeps what was typed.
    page.fill("#id_address", "Өскемен, Бурова көшесі, 51, пәтер 7")
    page.locator("#id_locality").select_option("oskemen")
    page.locator("#id_language").select_option("kk")
    next_step(page)
    expect(page.locator("#first-priority li")).to_have_text(first_priority)
    page.locator("#step-back").click()
    expect(page.locator("#id_address")).to_have_value("Өскемен, Бурова көшесі, 51, пәтер 7")
    expect(page.locator("#id_language")).to_have_value("kk")
    next_step(page)

    # Step 4: an extraordinary benefit with its certificate (the first-priority one is shown as found).
    page.locator("#id_category").select_option("military")
    certificate: FilePayload = {"name": "справка.pdf", "mimeType": "application/pdf", "buffer": PDF}
    page.set_input_files("#id_document", files=[certificate])
    page.fill("#id_issued_on", clock.today().isoformat())
    next_step(page)

    # Step 5: notifications (SMS, in the page's language by default); back to the benefit: the certificate
    # is still there.
    expect(page.locator("input[name=notify_channel][value=sms]")).to_be_checked()
    expect(page.locator(f"input[name=notify_language][value={language}]")).to_be_checked()
    page.locator("#step-back").click()
    expect(page.locator("#attached-document")).to_be_visible()
    expect(page.locator("#id_category")).to_have_value("military")
    next_step(page)
    next_step(page)

    # Step 6: review, then submit.
    review = page.locator("main")
    expect(review).to_contain_text(applicant.iin)
    expect(review).to_contain_text("Өскемен, Бурова көшесі, 51, пәтер 7")
    expect(review).to_contain_text(extraordinary)
    expect(review).to_contain_text(first_priority)
    page.locator("#submit-application").click()

    number = page.locator("#application-number")
    expect(number).to_be_visible()
    application = Application.objects.get(child__iin=child.iin)
    expect(number).to_have_text(str(application.pk))
    assert application.tier == "extraordinary"
    assert application.address == "Өскемен, Бурова көшесі, 51, пәтер 7"
    assert (application.applicant.phone, application.applicant.phone_alt) == (PHONE, PHONE_ALT)
    assert application.applicant.notify_language == language
    sms = outbox_latest(recipient=PHONE)
    assert sms is not None
    assert str(application.pk) in sms.body  # the number by SMS too
    screenshot("join-done")

    page.go_back()  # the wizard is over: nothing is submitted twice
    page.reload()
    assert Application.objects.filter(child__iin=child.iin).count() == 1


def test_check_the_queue_by_iin(page: Page, city: Locality, screenshot: Callable[..., None]) -> None:
    # Two children of one birth year (one cohort), whatever the registry factory's sequence has reached.
    first = register_application(
        locality=city, child=RegistryPersonFactory.create(birth_date=dt.date(2023, 3, 1))
    )
    mine = register_application(
        locality=city, child=RegistryPersonFactory.create(birth_date=dt.date(2023, 3, 2))
    )

    page.goto("/queue/check/")
    page.fill("#id_iin", mine.child.iin)
    page.locator("#check-submit").click()
    card = page.locator(f"#application-{mine.pk}")
    expect(card).to_be_visible()
    expect(card.locator(".position")).to_have_text(re.compile(r"^2\D+2$"))
    expect(page.locator(f"#application-{first.pk}")).to_have_count(0)
    assert mine.child.iin not in page.url  # posted, never in the URL
    screenshot("check", at="#check-results")

    page.fill("#id_iin", first.applicant.iin)  # by the applicant's IIN as well, sent with the keyboard
    page.keyboard.press("Enter")
    expect(page.locator(f"#application-{first.pk} .position")).to_have_text(re.compile(r"^1\D+2$"))

    page.fill("#id_iin", "123")  # invalid: an error summary, not a crash
    page.locator("#check-submit").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#id_iin")).to_have_attribute("aria-invalid", "true")
