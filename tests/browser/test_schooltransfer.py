"""The parent consents to the transfer to school in a real browser at 390 px, in Kazakh and in Russian
(E61): the cabinet's page, the consent form, the consent recorded."""

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Page, expect

from kezek.schooltransfer.models import SchoolTransfer
from tests.browser.test_cabinet import sign_in as parent_sign_in
from tests.browser.test_records import fits_the_phone
from tests.schooltransfer.conftest import MONDAY, World, make_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db: None) -> Iterator[World]:
    with time_machine.travel(MONDAY + dt.timedelta(hours=1), tick=True):
        yield make_world()


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_parent_consents_to_the_transfer_to_school(page: Page, world: World, language: str) -> None:
    page.goto("/cabinet/")
    page.locator(f"button[name=language][value={language}]").click()
    parent_sign_in(page, world.application)
    expect(page).to_have_url(re.compile(r"/cabinet/$"))
    page.locator("a[href='/cabinet/school/']").first.click()
    expect(page).to_have_url(re.compile(r"/cabinet/school/$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    fits_the_phone(page)
    page.locator(f"a[href='/cabinet/school/{world.file.pk}/consent/']").click()
    fits_the_phone(page)
    page.locator("main form.form button[type=submit]").click()  # nothing filled in: refused, 422
    expect(page.locator("#error-summary")).to_be_visible()
    assert not SchoolTransfer.objects.exists()
    page.fill("#id_school_name", "№ 12 мектеп-лицей")
    page.check("#id_agree")
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cabinet/school/$"))
    expect(page.locator(f"#school-file-{world.file.pk} .school-name")).to_have_text("№ 12 мектеп-лицей")
    fits_the_phone(page)
    transfer = SchoolTransfer.objects.get()
    assert (transfer.state, transfer.consented_by_id) == ("consented", world.application.applicant_id)
