"""The parent consents to the transfer to school in a real browser at 390 px, in Kazakh and in Russian
(E61): the cabinet's page, the consent form, the consent recorded; then, the package issued, its SHA-256,
its PDF and its public verification page (E62–E64)."""

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Page, expect

from kezek.schooltransfer import services
from kezek.schooltransfer.models import SchoolTransfer
from tests.browser.test_back_office import sign_in as staff_sign_in
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
    # The head issues the package: the parent sees its SHA-256, and its public page, on the phone.
    issued, _code = services.package_issue(file=world.file, by_staff=world.head)
    page.reload()
    expect(page.locator(f"#school-file-{world.file.pk} .sha256")).to_have_text(issued.sha256)
    fits_the_phone(page)
    with page.expect_download() as download:
        page.locator(f"a[href='/cabinet/school/packages/{issued.pk}/pdf/']").click()
    assert download.value.suggested_filename == f"school-package-{issued.pk}.pdf"
    page.goto(f"/school/verify/{issued.verification_code}/")
    expect(page.locator(".verdict-ok")).to_be_visible()
    fits_the_phone(page)


def test_the_head_issues_the_package_on_a_phone(page: Page, world: World) -> None:
    """E62, E65: the head's list and transfer page at 390 px; the receipt code is shown once."""
    transfer = services.transfer_consent(
        file=world.file, applicant=world.application.applicant, school_name="№ 12 мектеп-лицей"
    )
    staff_sign_in(page, world.head, first=False)
    page.goto("/staff/kindergarten/school/")
    fits_the_phone(page)
    page.locator(f"a[href='/staff/kindergarten/school/{transfer.pk}/']").click()
    fits_the_phone(page)
    page.locator(f"form[action='/staff/kindergarten/school/{transfer.pk}/issue/'] button").click()
    expect(page.locator("#receipt-code")).to_have_text(re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$"))
    fits_the_phone(page)
    assert SchoolTransfer.objects.get().state == "issued"
