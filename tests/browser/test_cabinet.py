"""The cabinet and distribution in a real browser: first sign-in sets the password, my applications (only my
family's); search free places → kindergarten → group → sign in → "Get a direction for application No. …" →
confirmation; my directions; the PDF (downloaded, its link) → the public verification page."""

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import time_machine
from playwright.sync_api import FilePayload, Page, expect

from kezek.cabinet.models import AccessRequest
from kezek.facilities.models import Group
from kezek.placement import services
from kezek.placement.models import Direction, Place
from kezek.waitlist.models import Applicant, Application
from tests.browser.conftest import last_code
from tests.factories import (
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    register_application,
)
from tests.factories.waitlist import PDF

pytestmark = pytest.mark.browser
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)  # a working day: places published, directions open
PASSWORD = "Kezek-browser-2026!"


@dataclass
class Families:
    group: Group
    mine: Application  # first in the queue
    theirs: Application  # another family, same group of age


@pytest.fixture
def monday() -> Iterator[None]:
    """The whole test on a fixed working Monday (the clock runs on from there), in this process — so in the
    live server's thread too; the browser keeps its own clock, which nothing here depends on."""
    with time_machine.travel(MONDAY, tick=True):
        yield


@pytest.fixture
def families(transactional_db: None, monday: None) -> Families:
    city = LocalityFactory.create(code="oskemen", name_ru="Усть-Каменогорск", name_kk="Өскемен")
    organisation = OrganisationFactory.create(
        locality=city, name_ru="Детский сад «Ақбота»", name_kk="«Ақбота» балабақшасы"
    )
    mine = register_application(
        locality=city,
        child=RegistryPersonFactory.create(
            birth_date=dt.date(2024, 2, 1), last_name="Серіков", first_name="Нұрлан", sex="M"
        ),
    )
    theirs = register_application(
        locality=city, child=RegistryPersonFactory.create(birth_date=dt.date(2024, 2, 2))
    )
    # Last: saving a group publishes its seats (on commit, which a live-server test really does) and picks
    # the priority holders among the applications queued by then.
    group = GroupFactory.create(organisation=organisation, name="Құлыншақ", capacity=2, language="ru")
    assert Place.objects.filter(group=group, publication__holders__application=mine).count() == 2
    return Families(group=group, mine=mine, theirs=theirs)


def sign_in(page: Page, application: Application, password: str = PASSWORD) -> None:
    """On the sign-in page: IIN + captcha → the SMS code (from the outbox) → the password (set on the
    first sign-in, typed twice)."""
    applicant = application.applicant
    expect(page).to_have_url(re.compile(r"/cabinet/login/(\?.*)?$"))
    page.fill("#id_iin", applicant.iin)
    page.fill("#id_captcha_1", "PASSED")
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cabinet/login/code/$"))
    assert applicant.phone not in page.content()  # masked
    page.fill("#id_code", last_code(applicant.phone))
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cabinet/login/password/$"))
    if Applicant.objects.get(pk=applicant.pk).password:
        page.fill("#id_password", password)
    else:
        page.fill("#id_password1", password)
        page.fill("#id_password2", password)
    page.locator("main form.form button[type=submit]").click()


def sign_out(page: Page) -> None:
    page.locator(".cabinet-bar form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cabinet/login/$"))


def test_first_sign_in_sets_the_password_and_shows_only_my_applications(
    page: Page, families: Families, screenshot: Callable[..., None]
) -> None:
    mine, theirs = families.mine, families.theirs
    page.goto("/cabinet/")  # the cabinet asks to sign in first
    sign_in(page, mine)
    expect(page).to_have_url(re.compile(r"/cabinet/$"))
    assert Applicant.objects.get(pk=mine.applicant_id).password.startswith("pbkdf2")
    cards = page.locator("ul.applications > li")
    expect(cards).to_have_count(1)
    expect(cards.first.get_by_role("heading")).to_contain_text(str(mine.pk))
    expect(page.locator(f"a[href='/cabinet/applications/{mine.pk}/withdraw/']")).to_have_count(1)
    expect(page.locator(f"a[href='/cabinet/applications/{theirs.pk}/withdraw/']")).to_have_count(0)
    screenshot("cabinet")

    # Another family's application and direction cannot be opened by their numbers.
    their_direction = services.direction_take(
        application=theirs, group=families.group, applicant=theirs.applicant
    )
    for url in (
        f"/cabinet/applications/{theirs.pk}/withdraw/",
        f"/places/directions/{their_direction.pk}/",
        f"/places/directions/{their_direction.pk}/pdf/",
    ):
        response = page.request.get(url)  # (a PDF would download rather than show)
        assert response.status == 404, url

    # The second sign-in asks for the password set the first time.
    page.goto("/cabinet/")
    sign_out(page)
    page.goto("/cabinet/")
    sign_in(page, mine)
    expect(page).to_have_url(re.compile(r"/cabinet/$"))
    expect(page.locator("ul.applications > li")).to_have_count(1)


def test_withdraw_an_application_after_an_sms_code(page: Page, families: Families) -> None:
    mine = families.mine
    page.goto("/cabinet/")
    sign_in(page, mine)
    page.locator(f"a[href='/cabinet/applications/{mine.pk}/withdraw/']").click()
    page.locator("main form.form button[type=submit]").click()  # sends the code
    expect(page).to_have_url(re.compile(rf"/cabinet/applications/{mine.pk}/withdraw/confirm/$"))
    page.fill("#id_code", last_code(mine.applicant.phone))
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cabinet/$"))
    expect(page.locator(f"a[href='/cabinet/applications/{mine.pk}/withdraw/']")).to_have_count(0)
    assert Application.objects.get(pk=mine.pk).status == Application.Status.WITHDRAWN


def test_update_the_phone_number(page: Page, families: Families) -> None:
    """A parent who lost the main phone: IINs + the new number → codes to the new and the second phone →
    then signs in with a code sent to the new number."""
    mine = families.mine
    applicant = mine.applicant
    page.goto("/cabinet/phone/")
    page.fill("#id_applicant_iin", applicant.iin)
    page.fill("#id_child_iin", mine.child.iin)
    page.fill("#id_new_phone", "+7 747 555 04 04")
    page.fill("#id_captcha_1", "PASSED")
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cabinet/phone/confirm/$"))
    page.fill("#id_code", last_code("+77475550404"))
    page.fill("#id_alt_code", last_code(applicant.phone_alt))
    page.locator("main form.form button[type=submit]").click()
    expect(page.locator("main .success")).to_be_visible()
    assert Applicant.objects.get(pk=applicant.pk).phone == "+77475550404"

    page.goto("/cabinet/")
    sign_in(page, Application.objects.select_related("applicant").get(pk=mine.pk))  # the code goes there
    expect(page).to_have_url(re.compile(r"/cabinet/$"))


def test_restore_access_to_a_cabinet_someone_else_created(page: Page, families: Families) -> None:
    """The other parent asks for the cabinet: IINs and two phones → both codes, a proof and an explanation
    → a request for staff to review (nothing about the applicant on record is shown)."""
    mine = families.mine
    other_parent = RegistryPersonFactory.create(adult=True)
    page.goto("/cabinet/access/")
    page.fill("#id_applicant_iin", other_parent.iin)
    page.fill("#id_child_iin", mine.child.iin)
    page.fill("#id_phone", "+7 702 555 05 05")
    page.fill("#id_phone_alt", "+7 705 555 06 06")
    page.fill("#id_captcha_1", "PASSED")
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cabinet/access/confirm/$"))
    page.fill("#id_code", last_code("+77025550505"))
    page.fill("#id_alt_code", last_code("+77055550606"))
    birth_certificate: FilePayload = {"name": "birth.pdf", "mimeType": "application/pdf", "buffer": PDF}
    page.set_input_files("#id_document", files=[birth_certificate])
    page.fill("#id_explanation", "The child's father registered the application and has left the family.")
    page.locator("main form.form button[type=submit]").click()
    expect(page.locator("main .success")).to_be_visible()
    request = AccessRequest.objects.get()
    assert (request.status, request.child.iin) == (AccessRequest.Status.PENDING, mine.child.iin)
    expect(page.locator("main")).not_to_contain_text(mine.applicant.last_name)


def test_forgotten_password(page: Page, families: Families) -> None:
    mine = families.mine
    page.goto("/cabinet/")
    sign_in(page, mine)  # the first sign-in sets PASSWORD
    sign_out(page)

    page.goto("/cabinet/password/forgot/")
    page.fill("#id_iin", mine.applicant.iin)
    page.fill("#id_captcha_1", "PASSED")
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cabinet/password/reset/$"))
    page.fill("#id_code", last_code(mine.applicant.phone))
    page.fill("#id_password1", "Another-secret-2027")
    page.fill("#id_password2", "Another-secret-2027")
    page.locator("main form.form button[type=submit]").click()
    expect(page.locator("main .success")).to_be_visible()

    page.goto("/cabinet/")
    sign_in(page, mine, password="Another-secret-2027")
    expect(page).to_have_url(re.compile(r"/cabinet/$"))


def test_get_a_direction_download_the_pdf_and_verify_it(
    page: Page, families: Families, screenshot: Callable[..., None]
) -> None:
    mine, group = families.mine, families.group

    # Search free places anonymously, by the child's age.
    page.goto("/places/")
    page.fill("#id_age", "2")
    page.locator("form.filters button[type=submit]").click()
    page.locator(f"a[href^='/places/organisations/{group.organisation_id}/']").click()
    page.locator(f"a[href='/places/groups/{group.pk}/']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Құлыншақ")

    # The group page sends an anonymous parent to sign in, and back.
    page.locator(f"main a[href='/places/groups/{group.pk}/direction/']").click()
    sign_in(page, mine)
    expect(page).to_have_url(re.compile(rf"/places/groups/{group.pk}/direction/$"))
    choice = page.locator(f"input[name=application][value='{mine.pk}']")
    expect(choice).to_be_checked()  # the only application that fits
    page.locator("main form.form button[type=submit]").click()

    # The confirmation: the direction's page.
    direction = Direction.objects.get(application=mine)
    expect(page).to_have_url(re.compile(rf"/places/directions/{direction.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(direction.pk))
    expect(page.locator("main")).to_contain_text("Детский сад «Ақбота»")
    screenshot("direction")

    # My directions lists it; its PDF downloads and carries the verification link of its QR code.
    page.goto("/places/directions/")
    expect(page.locator("main .cards > li")).to_have_count(1)
    with page.expect_download() as downloading:
        page.locator(f"main a[href='/places/directions/{direction.pk}/pdf/']").click()
    download = downloading.value
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert download.suggested_filename == f"direction-{direction.pk}.pdf"
    link = re.search(rb"/URI \((http[^)]+/places/verify/[^)]+)\)", pdf)
    assert link is not None, "the PDF links to its verification page"
    verify_url = link.group(1).decode()
    assert direction.verification_code in verify_url

    # The public verification page, opened by anyone (signed out), shows no personal data.
    page.goto("/cabinet/")
    sign_out(page)
    page.goto(verify_url)
    expect(page.locator(".verdict-ok")).to_be_visible()
    facts = page.locator("main dl.passport")
    expect(facts).to_contain_text(str(direction.pk))
    expect(facts).to_contain_text("С.")  # initials only
    expect(page.locator("main")).not_to_contain_text("Серіков")
    expect(page.locator("main")).not_to_contain_text(mine.child.iin)
    screenshot("verify")

    response = page.goto("/places/verify/not-a-real-code/")  # a forged code
    assert response is not None
    assert response.status == 404
    expect(page.locator(".verdict-bad")).to_be_visible()


def test_extend_then_decline_a_direction(page: Page, families: Families) -> None:
    mine = families.mine
    direction = services.direction_take(application=mine, group=families.group, applicant=mine.applicant)
    page.goto(f"/places/directions/{direction.pk}/")
    sign_in(page, mine)
    expect(page).to_have_url(re.compile(rf"/places/directions/{direction.pk}/$"))

    page.locator(f"main form[action='/places/directions/{direction.pk}/extend/'] button").click()
    expect(page.locator(".messages")).to_be_visible()
    extended = Direction.objects.get(pk=direction.pk)
    assert extended.valid_until > direction.valid_until

    page.locator(f"main a[href='/places/directions/{direction.pk}/decline/']").click()
    page.locator("main form.form button[type=submit]").click()  # without the tick: asked to confirm
    expect(page.locator("#error-summary")).to_be_visible()
    page.locator("#id_confirm").check()
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/places/directions/$"))
    assert Direction.objects.get(pk=direction.pk).state == Direction.State.DECLINED
    assert Application.objects.get(pk=mine.pk).status == Application.Status.QUEUED  # back in the queue


def test_the_verification_page_in_kazakh(page: Page, families: Families) -> None:
    """Whoever scans the QR code reads the page in their language: the header's switch works there too
    (its POST must pass the CSRF origin check)."""
    application = families.mine
    direction = services.direction_take(
        application=application, group=families.group, applicant=application.applicant
    )
    page.goto(f"/places/verify/{direction.verification_code}/")
    expect(page.locator(".verdict-ok")).to_be_visible()
    page.locator("button[name=language][value=kk]").click()
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.locator(".verdict-ok")).to_be_visible()
    assert page.url.endswith(f"/places/verify/{direction.verification_code}/")


@pytest.mark.parametrize(
    ("language", "heading", "organisation", "button"),
    [
        ("ru", "Вам предложено место в детском саду", "Детский сад «Ақбота»", "Занять место"),
        ("kk", "Сізге балабақшадан орын ұсынылды", "«Ақбота» балабақшасы", "орынды алу"),
    ],
)
def test_the_offer_at_the_top_of_the_cabinet_takes_the_place(
    page: Page, families: Families, language: str, heading: str, organisation: str, button: str
) -> None:
    """P2: the first in line sees the offered place above the applications, on a phone, and takes it."""
    mine, group = families.mine, families.group
    page.goto("/cabinet/")
    page.locator(f"button[name=language][value={language}]").click()
    sign_in(page, mine)
    expect(page).to_have_url(re.compile(r"/cabinet/$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    offer = page.locator(f"#offer-{mine.pk}-{group.pk}")
    expect(offer).to_be_visible()
    expect(page.locator("#offers-heading")).to_have_text(heading)
    assert offer.bounding_box()["y"] < page.locator("ul.applications").bounding_box()["y"]  # type: ignore[index]
    expect(offer).to_contain_text(organisation)
    expect(offer).to_contain_text("Құлыншақ")
    holding = mine.pk
    until = Place.objects.filter(group=group).first().publication.priority_until  # type: ignore[union-attr]
    expect(offer.locator(".offer-until")).to_have_text(until.astimezone(ALMATY).strftime("%d.%m.%Y %H:%M"))
    expect(page.locator(f"#offer-{families.theirs.pk}-{group.pk}")).to_have_count(0)

    offer.get_by_role("button", name=re.compile(button)).click()
    direction = Direction.objects.get(application_id=holding)
    expect(page).to_have_url(re.compile(rf"/places/directions/{direction.pk}/$"))
    assert direction.group_id == group.pk
    page.goto("/cabinet/")
    expect(page.locator("#offers")).to_have_count(0)
