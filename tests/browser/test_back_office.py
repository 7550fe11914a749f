"""The back-office in a real browser (#6): a department operator signs in (password, then the authenticator —
enrolled on this first sign-in) and confirms an extraordinary benefit on the benefit desk; a kindergarten head
enrols a child from a direction, records a departure from the group's roster, and the freed place appears on
the public protocol of freed places in the same browser."""

import datetime as dt
from base64 import b32encode
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import translation
from django.utils.translation import gettext
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from kezek.core import clock
from kezek.facilities.models import Group
from kezek.placement import services
from kezek.placement.models import Direction, Enrollment, Publication
from kezek.registry.models import RegistryPerson
from kezek.staff.models import Role
from kezek.waitlist.models import Application, BenefitClaim
from tests.factories import (
    STAFF_PASSWORD,
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    register_application,
    staff_user,
)

pytestmark = pytest.mark.browser

ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 14, 10, 0, tzinfo=ALMATY)


@pytest.fixture
def monday() -> Iterator[None]:
    with time_machine.travel(MONDAY, tick=True):
        yield


@dataclass
class Town:
    group: Group
    claim: BenefitClaim  # an extraordinary claim by certificate; its direction waits for the decision
    waiting: Direction
    direction: Direction  # awaiting enrolment in `group`


def toddler(n: int) -> RegistryPerson:
    return RegistryPersonFactory.create(birth_date=dt.date(2024, 2, 1) + dt.timedelta(days=n))


@pytest.fixture
def town(transactional_db: None, monday: None) -> Town:
    city = LocalityFactory.create(code="oskemen", name_ru="Усть-Каменогорск", name_kk="Өскемен")
    organisation = OrganisationFactory.create(
        locality=city, name_ru="Детский сад «Ақбота»", name_kk="«Ақбота» балабақшасы"
    )
    extraordinary = register_application(locality=city, child=toddler(1), tier="extraordinary")
    plain = register_application(locality=city, child=toddler(2))
    # Last: saving a group publishes its seats on commit (a live-server test really commits), with the
    # applications queued by then as the priority holders.
    group = GroupFactory.create(organisation=organisation, name="Құлыншақ", capacity=4, language="ru")
    waiting = services.direction_take(
        application=extraordinary, group=group, applicant=extraordinary.applicant
    )
    direction = services.direction_take(application=plain, group=group, applicant=plain.applicant)
    assert (waiting.state, direction.state) == ("benefit_confirmation", "awaiting_enrollment")
    return Town(group, BenefitClaim.objects.get(application=extraordinary), waiting, direction)


def code_of(device: TOTPDevice) -> str:
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return str(token).zfill(device.digits)


def sign_in(page: Page, user: User, *, first: bool) -> None:
    """Password, then the authenticator's code computed from the device's key (on the first sign-in the
    page shows the QR code and the key of a device it has just created: read it from the database)."""
    page.goto("/staff/")
    expect(page).to_have_url("/staff/login/?next=%2Fstaff%2F")
    form = page.locator("#staff-login")
    form.locator("input[name=username]").fill(user.username)
    form.locator("input[name=password]").fill(STAFF_PASSWORD)
    form.get_by_role("button").click()
    expect(page.locator("#staff-otp")).to_be_visible()
    if first:
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        expect(page.locator("#totp-secret")).to_have_text(b32encode(device.bin_key).decode())
    else:
        expect(page.locator("#totp-secret")).to_have_count(0)
        device = TOTPDevice.objects.get(user=user, confirmed=True)
    page.locator("#staff-otp input[name=token]").fill(code_of(device))
    page.locator("#staff-otp").get_by_role("button").click()
    expect(page).to_have_url("/staff/")
    assert TOTPDevice.objects.get(user=user).confirmed


def test_department_operator_enrols_an_authenticator_and_confirms_a_benefit(page: Page, town: Town) -> None:
    operator = staff_user(role=Role.OPERATOR, locality=town.group.organisation.locality)
    TOTPDevice.objects.filter(user=operator).delete()  # never signed in: no authenticator yet
    sign_in(page, operator, first=True)

    page.locator("a[href='/staff/benefits/']").first.click()
    expect(page).to_have_url("/staff/benefits/")
    page.locator(f"a[href='/staff/benefits/{town.claim.pk}/']").click()
    expect(page).to_have_url(f"/staff/benefits/{town.claim.pk}/")
    page.locator("input[name=decision][value=confirm]").check()
    page.locator("input[name=basis_number]").fill("14-05/312")  # D1: the decision's basis
    page.locator("input[name=basis_date]").fill(clock.today().isoformat())
    page.locator("textarea[name=basis_reason]").fill("Справка воинской части подтверждена")
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url("/staff/benefits/")  # back on the desk, with the message
    with translation.override("ru"):
        confirmed = gettext("The benefit is confirmed.")
    expect(page.get_by_text(confirmed)).to_be_visible()
    expect(page.locator(f"a[href='/staff/benefits/{town.claim.pk}/']")).to_have_count(0)  # off the desk

    town.claim.refresh_from_db()
    town.waiting.refresh_from_db()
    assert town.claim.status == BenefitClaim.Status.CONFIRMED
    assert town.claim.decided_by_id == operator.pk
    assert town.waiting.state == Direction.State.AWAITING_ENROLLMENT  # P4: now the kindergarten sees it
    application = Application.objects.get(pk=town.claim.application_id)
    assert application.tier == "extraordinary"


def test_kindergarten_head_enrols_then_records_a_departure_and_the_place_is_published(
    page: Page, town: Town
) -> None:
    organisation = town.group.organisation
    head = staff_user(role=Role.KINDERGARTEN_HEAD, organisation=organisation)
    sign_in(page, head, first=False)
    today = MONDAY.date().isoformat()

    # Directions awaiting enrolment: the plain one, never the one waiting for its benefit (P4).
    page.goto("/staff/kindergarten/directions/")
    expect(page.locator(f"a[href='/staff/kindergarten/directions/{town.waiting.pk}/enrol/']")).to_have_count(
        0
    )
    page.locator(f"a[href='/staff/kindergarten/directions/{town.direction.pk}/enrol/']").click()
    page.locator("main form.form input[name=enrolled_on]").fill(today)
    page.locator("main form.form button[type=submit]").click()
    expect(page).not_to_have_url(f"/staff/kindergarten/directions/{town.direction.pk}/enrol/")
    page.goto("/staff/kindergarten/directions/")
    expect(
        page.locator(f"a[href='/staff/kindergarten/directions/{town.direction.pk}/enrol/']")
    ).to_have_count(0)
    enrollment = Enrollment.objects.get(direction=town.direction)
    assert enrollment.enrolled_on == MONDAY.date()
    assert enrollment.group_id == town.group.pk

    # The roster: the group's page lists the child; record the departure.
    page.goto("/staff/kindergarten/groups/")
    page.locator(f"a[href='/staff/kindergarten/groups/{town.group.pk}/']").click()
    depart = page.locator(f"a[href='/staff/kindergarten/enrollments/{enrollment.pk}/depart/']")
    expect(depart).to_have_count(1)
    depart.click()
    page.locator("main form.form input[name=left_on]").fill(today)
    page.locator("main form.form textarea[name=reason], main form.form input[name=reason]").fill(
        "Семья переехала"
    )
    page.locator("main form.form button[type=submit]").click()
    expect(page).not_to_have_url(f"/staff/kindergarten/enrollments/{enrollment.pk}/depart/")
    expect(page.locator(f"a[href='/staff/kindergarten/enrollments/{enrollment.pk}/depart/']")).to_have_count(
        0
    )
    enrollment.refresh_from_db()
    assert enrollment.left_on == MONDAY.date()
    assert enrollment.leave_reason == "Семья переехала"
    publication = Publication.objects.get(group=town.group, cause=Publication.Cause.DEPARTURE)
    assert publication.places == 1

    # The public protocol of freed places, in the same browser: the departure's place is there.
    page.goto("/")
    page.locator("#locality-select").select_option("oskemen")
    page.locator("header form", has=page.locator("#locality-select")).get_by_role("button").click()
    page.goto("/open-data/publications/")
    with translation.override("ru"):
        cause = str(Publication.Cause.DEPARTURE.label)
    card = page.locator("main li.card", has_text=cause)
    expect(card).to_have_count(1)
    expect(card).to_contain_text(organisation.name_ru)
    expect(card).to_contain_text(town.group.name)
