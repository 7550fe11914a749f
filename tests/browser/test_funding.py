"""The kindergarten head sees the month's funding statement on a phone (390 px), in Kazakh and Russian (E25):
its children, their days and amounts, and the total to be paid."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from kezek.attendance.selectors import working_days
from kezek.funding import services
from kezek.funding.models import Statement
from kezek.staff.models import Role
from tests.browser.test_back_office import sign_in
from tests.factories import staff_user
from tests.funding.helpers import (
    MONTH,
    enrol,
    group_of,
    kindergarten,
    lock_month,
    mark_month,
    operator,
    rates,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def statement(transactional_db: None) -> Statement:
    org = kindergarten(name_ru="Детский сад «Ақбота»", name_kk="«Ақбота» балабақшасы")
    staff = operator(org.locality)
    rates(org.locality, staff)
    group = group_of(org, name="Құлыншақ")
    days = len(working_days(group=group, month=MONTH))
    mark_month(enrol(group), MONTH, ["+"] * days, by=staff)
    mark_month(enrol(group), MONTH, ["illness_certified", "unexcused"] + ["+"] * (days - 2), by=staff)
    lock_month(group, MONTH)
    services.statements_calculate(month=MONTH, locality=org.locality, by_staff=staff)
    services.statements_freeze(month=MONTH, locality=org.locality, by_staff=staff)
    return Statement.objects.get()


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_head_sees_the_statement_on_a_phone(page: Page, statement: Statement, language: str) -> None:
    assert page.viewport_size == {"width": 390, "height": 844}
    head = staff_user(role=Role.KINDERGARTEN_HEAD, organisation=statement.organisation)
    sign_in(page, head, first=False)
    page.locator(f"button[name=language][value={language}]").first.click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.goto("/staff/kindergarten/funding/")
    page.locator(f"a[href='/staff/kindergarten/funding/{statement.pk}/']").click()
    expect(page).to_have_url(f"/staff/kindergarten/funding/{statement.pk}/")
    with translation.override(language):
        heading = gettext("Funding statement")
        frozen = str(Statement.State.FROZEN.label)
    expect(page.locator("h1")).to_contain_text(heading)
    expect(page.locator("#statement-state")).to_have_text(frozen)
    whole, tiyn = f"{statement.total:.2f}".split(".")
    expect(page.locator("#statement-total")).to_have_text(re.compile(rf"^{whole}[.,]{tiyn}$"))
    expect(page.locator("main table tbody tr")).to_have_count(2)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, f"the page is {wide} px wide on a 390 px phone"
