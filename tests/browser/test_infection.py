"""Infection control in a real browser at 390 px, in Kazakh and Russian (E51): the nurse records a case of
chickenpox on her phone and sees the contacts the timesheet gives and the group's quarantine."""

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Page, expect

from kezek.infection.models import Case, Quarantine
from kezek.notifications.models import OutboxMessage
from tests.attendance.conftest import at, mark_days
from tests.browser.test_back_office import sign_in as staff_sign_in
from tests.infection.conftest import Clinic, infections_seeded, make_clinic

pytestmark = pytest.mark.browser
FRIDAY = dt.date(2026, 9, 11)
DAYS = [dt.date(2026, 9, d) for d in (7, 8, 9, 10, 11)]


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide"


@pytest.fixture
def clinic(transactional_db: None) -> Iterator[Clinic]:
    infections_seeded()
    c = make_clinic(3)
    mark_days(c.kg, DAYS)
    with time_machine.travel(at(FRIDAY, 18), tick=True):
        yield c


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_nurse_records_a_case_on_the_phone(page: Page, clinic: Clinic, language: str) -> None:
    staff_sign_in(page, clinic.nurse, first=False)
    page.locator(f"button[name=language][value={language}]").first.click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.goto("/staff/kindergarten/infection/")
    fits_the_phone(page)
    page.locator("a[href='/staff/kindergarten/infection/new/']").click()
    expect(page).to_have_url(re.compile(r"/staff/kindergarten/infection/new/$"))
    ill = clinic.kg.enrollments[0]
    page.select_option("#id_infection", "chickenpox")
    page.select_option("#id_enrollment", str(ill.pk))
    page.fill("#id_onset_on", "2026-09-10")
    page.fill("#id_isolated_on", "2026-09-11")
    fits_the_phone(page)
    page.locator("main form.case-form button[type=submit]").click()
    case = Case.objects.get()
    expect(page).to_have_url(re.compile(rf"/staff/kindergarten/infection/{case.pk}/$"))
    expect(page.locator("ul.contacts li")).to_have_count(3)  # two children and the teacher
    expect(page.locator("ul.quarantines li")).to_contain_text("02.10.2026")
    fits_the_phone(page)
    assert Quarantine.objects.get().group == clinic.kg.group
    assert OutboxMessage.objects.filter(template="quarantine_contact").count() == 2
