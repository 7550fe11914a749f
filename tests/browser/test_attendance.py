"""The attendance timesheet in a real browser at 390 px, in Kazakh and Russian (E11, E14): a teacher marks
a day on the phone; a parent approves a month and another disputes a day."""

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Page, expect

from kezek.attendance import services
from kezek.attendance.models import ChildMonth, Dispute, Mark
from tests.attendance.conftest import Kindergarten, at, make_kindergarten, mark_month
from tests.browser.test_back_office import sign_in as staff_sign_in
from tests.browser.test_cabinet import sign_in as cabinet_sign_in
from tests.browser.test_cabinet import sign_out

pytestmark = pytest.mark.browser
LANGUAGES = ["kk", "ru"]
DAY = dt.date(2026, 10, 14)  # a Wednesday
OCTOBER = dt.date(2026, 10, 1)


def fits_the_phone(page: Page) -> None:
    """Measured once the page and its stylesheets have loaded: a layout read before attendance.css arrives
    (a busy live server) sizes each select by its longest Kazakh option (seen: 408 px in CI)."""
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.fixture
def wednesday_evening() -> Iterator[None]:
    with time_machine.travel(at(DAY, 17), tick=True):
        yield


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_teacher_marks_a_day_on_the_phone(
    page: Page, transactional_db: None, wednesday_evening: None, language: str
) -> None:
    k = make_kindergarten(3)
    staff_sign_in(page, k.teacher, first=False)
    page.locator(f"button[name=language][value={language}]").first.click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.goto("/staff/attendance/")
    page.locator(".attendance-groups a.primary").first.click()
    expect(page).to_have_url(re.compile(rf"/staff/attendance/groups/{k.group.pk}/day/2026-10-14/$"))
    fits_the_phone(page)
    absent = k.enrollments[1]
    page.select_option(f"#reason-{absent.pk}", "illness_certified")
    page.locator("#day-form button[type=submit]").click()
    expect(page.locator(f"#child-{absent.pk} .mark.absent")).to_be_visible()
    fits_the_phone(page)
    assert Mark.objects.filter(day=DAY).count() == 3
    assert Mark.objects.get(day=DAY, enrollment=absent).reason == "illness_certified"
    # One tap changes a child's mark while the month is open.
    page.select_option(f"#change-{absent.pk}", "")
    page.locator(f"#child-{absent.pk} button[type=submit]").click()
    expect(page.locator(f"#child-{absent.pk} .mark.present")).to_be_visible()
    assert Mark.objects.get(day=DAY, enrollment=absent).present


def submitted_october() -> Kindergarten:
    k = make_kindergarten(2)
    mark_month(k, OCTOBER)
    with time_machine.travel(at(dt.date(2026, 11, 1), 9), tick=False):
        services.month_submit(group=k.group, month=OCTOBER, by_staff=k.head)
    return k


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_parent_approves_and_another_disputes_a_day(
    page: Page, transactional_db: None, language: str
) -> None:
    k = submitted_october()
    with time_machine.travel(at(dt.date(2026, 11, 3), 10), tick=True):
        first = ChildMonth.objects.get(enrollment=k.enrollments[0])
        second = ChildMonth.objects.get(enrollment=k.enrollments[1])
        page.goto("/cabinet/attendance/")
        page.locator(f"button[name=language][value={language}]").first.click()
        cabinet_sign_in(page, k.enrollments[0].child.applications.get())
        expect(page).to_have_url(re.compile(r"/cabinet/attendance/$"))
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator(f"#child-month-{second.pk}")).to_have_count(0)  # only my child
        page.locator(f"#child-month-{first.pk} a").click()
        expect(page.locator("#month-status")).to_be_visible()
        fits_the_phone(page)
        page.locator("#approve").click()
        expect(page.locator("#approve")).to_have_count(0)
        assert ChildMonth.objects.get(pk=first.pk).state == "approved"
        sign_out(page)
        page.goto("/cabinet/attendance/")
        cabinet_sign_in(page, k.enrollments[1].child.applications.get())
        page.locator(f"#child-month-{second.pk} a").click()
        day = Mark.objects.filter(enrollment=k.enrollments[1]).order_by("day").first().day.isoformat()  # type: ignore[union-attr]
        # A day ticked without a comment is refused (422), nothing written.
        page.locator(f"#pick-{day}").check()
        page.locator("#dispute").click()
        expect(page.locator("#attendance-error")).to_be_visible()
        assert Dispute.objects.count() == 0
        page.locator(f"#pick-{day}").check()
        page.fill(f"#comment-{day}", "Ол күні үйде болды / был дома")
        page.locator("#dispute").click()
        expect(page.locator(f"#day-{day} .hint")).to_be_visible()
        expect(page.locator("#month-status")).to_be_visible()
        fits_the_phone(page)
    assert ChildMonth.objects.get(pk=second.pk).state == "disputed"
    assert Dispute.objects.get().day.isoformat() == day
