"""Development monitoring in a real browser at 390 px, in Kazakh and Russian (E43): the teacher fills a
child's card on the phone — a level by one tap per indicator — and moves on to the next child."""

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Page, expect

from kezek.monitoring.models import Card, CardMark
from tests.attendance.conftest import at, make_kindergarten
from tests.browser.test_attendance import fits_the_phone
from tests.browser.test_back_office import sign_in as staff_sign_in
from tests.monitoring.conftest import template_installed

pytestmark = pytest.mark.browser
LANGUAGES = ["kk", "ru"]
DAY = dt.date(2026, 9, 15)  # inside the start point's default window


@pytest.fixture
def september() -> Iterator[None]:
    with time_machine.travel(at(DAY, 11), tick=True):
        yield


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_teacher_fills_a_card_on_the_phone(
    page: Page, transactional_db: None, september: None, language: str
) -> None:
    template_installed()
    k = make_kindergarten(2)
    staff_sign_in(page, k.teacher, first=False)
    page.locator(f"button[name=language][value={language}]").first.click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.goto("/staff/monitoring/")
    page.locator(".monitoring-points a").first.click()
    expect(page).to_have_url(re.compile(rf"/staff/monitoring/groups/{k.group.pk}/start/$"))
    fits_the_phone(page)
    page.locator("#children a").first.click()
    expect(page.locator("#card-form")).to_be_visible()
    fits_the_phone(page)
    fieldsets = page.locator("#card-form fieldset")
    assert fieldsets.count() == 10
    for index in range(fieldsets.count()):  # one tap per indicator
        fieldsets.nth(index).locator("label").nth(index % 3).click()
    page.locator("#card-form button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    fits_the_phone(page)
    card = Card.objects.get()
    assert CardMark.objects.filter(card=card).count() == 10
    assert set(CardMark.objects.filter(card=card).values_list("level__code", flat=True)) == {
        "high",
        "medium",
        "low",
    }
    # Saved, the screen moved on to the other child of the group.
    other = next(e for e in k.enrollments if e.pk != card.enrollment_id)
    expect(page).to_have_url(re.compile(rf"/children/{other.pk}/$"))
    expect(page.locator("#card-form input:checked")).to_have_count(0)
    page.goto(f"/staff/monitoring/groups/{k.group.pk}/start/")
    expect(page.locator(".monitoring-done")).to_have_count(1)
    fits_the_phone(page)
