"""The child's file in a real browser at 390 px (E4, E7): a nurse writes a health note in the back-office;
the parent opens the child's file in the cabinet, in Kazakh and in Russian, and reads all of it."""

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Page, expect

from kezek.records import services
from kezek.records.models import HealthNote, SensitiveRead
from tests.browser.test_back_office import sign_in as staff_sign_in
from tests.browser.test_cabinet import sign_in as parent_sign_in
from tests.records.conftest import MONDAY, World, make_world, pdf

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db: None) -> Iterator[World]:
    with time_machine.travel(MONDAY + dt.timedelta(hours=1), tick=True):
        yield make_world()


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))"
    )
    assert width <= 390, f"the page is {width} px wide: {wide}"


def test_a_nurse_adds_a_health_note(page: Page, world: World) -> None:
    staff_sign_in(page, world.nurse, first=False)
    page.goto("/staff/kindergarten/records/")
    page.get_by_role("link", name=re.compile(world.file.child.last_name)).first.click()
    expect(page).to_have_url(re.compile(rf"/staff/kindergarten/records/{world.file.pk}/$"))
    page.locator(f"a[href='/staff/kindergarten/records/{world.file.pk}/health/']").click()
    page.fill("#id_allergies", "арахис")
    page.fill("#id_diet", "без молока")
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/staff/kindergarten/records/{world.file.pk}/$"))
    expect(page.locator("dd.allergies")).to_have_text("арахис")
    fits_the_phone(page)
    assert HealthNote.objects.get(file=world.file).diet == "без молока"
    assert SensitiveRead.objects.filter(user=world.nurse).count() >= 3  # the page twice and the form


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_parent_opens_the_childs_file(page: Page, world: World, language: str) -> None:
    services.child_file_contract_set(
        file=world.file, by_staff=world.head, number="41/2026", signed_on=MONDAY.date(), monthly_fee=23500
    )
    services.health_note_set(file=world.file, by_staff=world.nurse, allergies="мёд", diet="", restrictions="")
    services.child_document_add(
        file=world.file, by_staff=world.nurse, kind="medical_026", document=pdf(), issued_on=MONDAY.date()
    )
    page.goto("/cabinet/")
    page.locator(f"button[name=language][value={language}]").click()
    parent_sign_in(page, world.application)
    expect(page).to_have_url(re.compile(r"/cabinet/$"))
    page.locator("a[href='/cabinet/records/']").first.click()
    expect(page).to_have_url(re.compile(r"/cabinet/records/$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator(f"a[href='/cabinet/records/{world.file.pk}/']").click()
    expect(page.locator("dl.contract")).to_contain_text("41/2026")
    expect(page.locator("dd.allergies")).to_have_text("мёд")
    expect(page.locator("ul.documents li")).to_have_count(1)
    expect(page.locator("ul.stays li")).to_have_count(1)
    fits_the_phone(page)
    with page.expect_download() as download:
        page.locator("ul.documents a").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
