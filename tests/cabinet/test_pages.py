"""The cabinet's web pages: sign-in with captcha, SMS code and password, forgotten password, phone change,
my applications and withdrawal by SMS code; another family's data is never reachable."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django import Settings

from kezek.registry.models import RegistryPerson
from kezek.waitlist import services as waitlist_services
from kezek.waitlist.models import Applicant, Application
from tests.factories import basis, register_application
from tests.factories.waitlist import next_phone

from .test_api import PASSWORD, last_code

if TYPE_CHECKING:  # django-stubs' type of the test client's responses; not there at run time
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db
CAPTCHA = {"captcha_0": "test", "captcha_1": "PASSED"}


@pytest.fixture(autouse=True)
def english(settings: Settings) -> None:
    """Pages in the source language unless a test asks for another (Accept-Language)."""
    settings.LANGUAGE_CODE = "en"


def web_sign_in(
    client: Client, application: Application, password: str = PASSWORD, next_url: str = ""
) -> Response:
    """Walk the three pages; returns the last response."""
    applicant = application.applicant
    data = {"iin": applicant.iin, **CAPTCHA, "next": next_url}
    response = client.post("/cabinet/login/", data)
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == "/cabinet/login/code/"
    page = client.get("/cabinet/login/code/")
    assert applicant.phone not in page.content.decode()  # masked
    response = client.post("/cabinet/login/code/", {"code": last_code(applicant.phone)})
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == "/cabinet/login/password/"
    if Applicant.objects.get(pk=applicant.pk).password:
        return client.post("/cabinet/login/password/", {"password": password})
    return client.post("/cabinet/login/password/", {"password1": password, "password2": password})


def test_login_page_has_labelled_fields_and_the_captcha() -> None:
    page = Client().get("/cabinet/login/?next=/cabinet/")
    html = page.content.decode()
    assert page.status_code == 200
    for name in ("iin", "captcha_1"):
        field_id = re.search(rf'name="{name}"[^>]*id="([^"]+)"|id="([^"]+)"[^>]*name="{name}"', html)
        assert field_id is not None, name
        assert f'for="{field_id.group(1) or field_id.group(2)}"' in html
    assert 'name="next" value="/cabinet/"' in html
    assert "/captcha/image/" in html


def test_first_sign_in_sets_the_password_and_shows_only_my_applications() -> None:
    client = Client()
    mine, theirs = register_application(), register_application()
    response = web_sign_in(client, mine)
    assert response.status_code == 302
    assert response["Location"] == "/cabinet/"
    assert Applicant.objects.get(pk=mine.applicant_id).password.startswith("pbkdf2")
    page = client.get("/cabinet/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"No. {mine.pk}" in html
    assert f"No. {theirs.pk}" not in html
    assert "1 of 1" in html  # position "N of M" in the cohort
    # The password is now asked, not set again; a wrong one is a 422 with the message on the form.
    other = Client()
    wrong = web_sign_in(other, mine, password="not-the-password")
    assert wrong.status_code == 422
    assert "The password is wrong." in wrong.content.decode()


def test_wrong_captcha_and_invalid_iin() -> None:
    client = Client()
    application = register_application()
    bad_captcha = client.post(
        "/cabinet/login/", {"iin": application.applicant.iin, "captcha_0": "x", "captcha_1": "no"}
    )
    assert bad_captcha.status_code == 422
    invalid = client.post("/cabinet/login/", {"iin": "123456789012", **CAPTCHA})
    assert invalid.status_code == 422
    assert "The IIN is not valid" in invalid.content.decode()


@pytest.mark.parametrize(
    ("start", "code_page"),
    [("/cabinet/login/", "/cabinet/login/code/"), ("/cabinet/password/forgot/", "/cabinet/password/reset/")],
)
def test_known_and_unknown_iins_get_the_same_pages(start: str, code_page: str) -> None:
    application = register_application()
    pages: list[tuple[str, str, int]] = []
    for iin in (application.applicant.iin, application.child.iin):  # the child has no application of theirs
        client = Client()
        response = client.post(start, {"iin": iin, **CAPTCHA})
        assert (response.status_code, response["Location"]) == (302, code_page)
        page = client.get(code_page)
        wrong = client.post(code_page, {"code": "000000", "password1": PASSWORD, "password2": PASSWORD})
        pages.append((_without_tokens(page), _without_tokens(wrong), wrong.status_code))
    assert pages[0] == pages[1]
    assert pages[0][2] == 422
    assert "If an application is registered for this IIN" in pages[0][0]


def _without_tokens(response: Response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.parametrize(
    ("language", "alt"), [("ru", "Картинка с символами для ввода"), ("kk", "Енгізетін таңбалары бар сурет")]
)
def test_the_captcha_picture_has_a_translated_alt_text(language: str, alt: str) -> None:
    html = Client(HTTP_ACCEPT_LANGUAGE=language).get("/cabinet/login/").content.decode()
    assert f'alt="{alt}" class="captcha"' in html


def test_password_mismatch_and_weak_password_are_refused() -> None:
    application = register_application()
    client = Client()
    client.post("/cabinet/login/", {"iin": application.applicant.iin, **CAPTCHA})
    client.post("/cabinet/login/code/", {"code": last_code(application.applicant.phone)})
    mismatch = client.post("/cabinet/login/password/", {"password1": PASSWORD, "password2": PASSWORD + "x"})
    assert mismatch.status_code == 422
    assert "The two passwords do not match." in mismatch.content.decode()
    weak = client.post("/cabinet/login/password/", {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 422
    assert not Applicant.objects.get(pk=application.applicant_id).password


def test_pages_need_sign_in_and_come_back_after_it() -> None:
    application = register_application()
    client = Client()
    for url in ("/cabinet/", f"/cabinet/applications/{application.pk}/withdraw/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/cabinet/login/?next=")
    response = web_sign_in(client, application, next_url=f"/cabinet/applications/{application.pk}/withdraw/")
    assert response["Location"] == f"/cabinet/applications/{application.pk}/withdraw/"


def test_next_to_another_site_is_ignored() -> None:
    client = Client()
    response = web_sign_in(client, register_application(), next_url="https://evil.example/")
    assert response["Location"] == "/cabinet/"


def test_steps_cannot_be_skipped() -> None:
    client = Client()
    assert client.get("/cabinet/login/code/")["Location"] == "/cabinet/login/"
    assert client.get("/cabinet/login/password/")["Location"] == "/cabinet/login/"
    assert client.post("/cabinet/login/password/", {"password": PASSWORD})["Location"] == "/cabinet/login/"


def test_the_session_key_changes_on_sign_in_and_sign_out_ends_it() -> None:
    client = Client()
    application = register_application()
    client.get("/cabinet/login/")
    client.post("/cabinet/login/", {"iin": application.applicant.iin, **CAPTCHA})
    before = client.session.session_key
    client.post("/cabinet/login/code/", {"code": last_code(application.applicant.phone)})
    after_code = client.session.session_key
    client.post("/cabinet/login/password/", {"password1": PASSWORD, "password2": PASSWORD})
    after_password = client.session.session_key
    assert len({before, after_code, after_password}) == 3
    assert client.get("/cabinet/").status_code == 200
    assert client.get("/cabinet/logout/").status_code == 405  # POST only
    response = client.post("/cabinet/logout/")
    assert response.status_code == 302
    assert client.get("/cabinet/").status_code == 302


def test_wrong_passwords_lock_the_cabinet_with_a_translated_429_page() -> None:
    application = register_application()
    assert web_sign_in(Client(), application).status_code == 302
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.post("/cabinet/login/", {"iin": application.applicant.iin, **CAPTCHA})
    client.post("/cabinet/login/code/", {"code": last_code(application.applicant.phone)})
    statuses = [
        client.post("/cabinet/login/password/", {"password": f"wrong-{i}"}).status_code for i in range(6)
    ]
    assert statuses == [422] * 5 + [429]
    locked = client.post("/cabinet/login/password/", {"password": PASSWORD})
    assert locked.status_code == 429
    assert "Retry-After" in locked
    html = locked.content.decode()
    assert 'lang="ru"' in html
    assert "Too many unsuccessful attempts" not in html  # shown in Russian, not in the English source


def test_too_many_codes_is_a_429_page(settings: Settings) -> None:
    settings.OTP_RESEND_INTERVAL_SECONDS = 60
    application = register_application()
    client = Client()
    client.post("/cabinet/login/", {"iin": application.applicant.iin, **CAPTCHA})
    again = client.post("/cabinet/login/", {"iin": application.applicant.iin, **CAPTCHA})
    assert again.status_code == 429
    assert "Retry-After" in again
    assert "A code has just been sent to this number" in again.content.decode()


def test_forgotten_password() -> None:
    application = register_application()
    assert web_sign_in(Client(), application).status_code == 302
    client = Client()
    assert client.get("/cabinet/password/reset/")["Location"] == "/cabinet/password/forgot/"
    response = client.post("/cabinet/password/forgot/", {"iin": application.applicant.iin, **CAPTCHA})
    assert response["Location"] == "/cabinet/password/reset/"
    code = last_code(application.applicant.phone)
    new = "Another-pass-2027?"
    mismatch = client.post("/cabinet/password/reset/", {"code": code, "password1": new, "password2": "x"})
    assert mismatch.status_code == 422
    done = client.post("/cabinet/password/reset/", {"code": code, "password1": new, "password2": new})
    assert done.status_code == 200, done.content.decode()
    assert web_sign_in(Client(), application, password=new)["Location"] == "/cabinet/"


def test_phone_change_with_codes_to_the_new_and_the_second_phone() -> None:
    application = register_application()
    applicant = application.applicant
    signed_in = Client()
    web_sign_in(signed_in, application)
    client = Client()
    new_phone = next_phone()
    data = {"applicant_iin": applicant.iin, "child_iin": applicant.iin, "new_phone": new_phone, **CAPTCHA}
    wrong_child = client.post("/cabinet/phone/", data)
    assert wrong_child.status_code == 422
    assert "does not match" in wrong_child.content.decode()
    response = client.post("/cabinet/phone/", data | {"child_iin": application.child.iin})
    assert response["Location"] == "/cabinet/phone/confirm/"
    page = client.get("/cabinet/phone/confirm/").content.decode()
    assert new_phone not in page  # masked labels
    assert applicant.phone_alt not in page
    codes = {"code": last_code(new_phone), "alt_code": last_code(applicant.phone_alt)}
    bad = client.post(
        "/cabinet/phone/confirm/",
        codes | {"alt_code": "000000" if codes["alt_code"] != "000000" else "111111"},
    )
    assert bad.status_code == 422
    assert client.post("/cabinet/phone/confirm/", codes).status_code == 200
    assert Applicant.objects.get(pk=applicant.pk).phone == new_phone
    assert signed_in.get("/cabinet/").status_code == 302  # the old session ended


def test_withdraw_needs_an_sms_code() -> None:
    application = register_application()
    client = Client()
    web_sign_in(client, application)
    url = f"/cabinet/applications/{application.pk}/withdraw/"
    assert client.get(url).status_code == 200
    # The confirmation page without a code sent first goes back to the first step.
    assert client.get(url + "confirm/")["Location"] == url
    response = client.post(url)
    assert response["Location"] == url + "confirm/"
    wrong = client.post(url + "confirm/", {"code": "12345"})
    assert wrong.status_code == 422
    assert Application.objects.get(pk=application.pk).status == "queued"
    done = client.post(url + "confirm/", {"code": last_code(application.applicant.phone)})
    assert done["Location"] == "/cabinet/"
    assert Application.objects.get(pk=application.pk).status == "withdrawn"
    page = client.get("/cabinet/").content.decode()
    assert f"Application No. {application.pk} is withdrawn." in page
    assert url not in page  # no second withdrawal offered
    assert client.get(url).status_code == 409
    assert client.post(url).status_code == 409


def test_another_familys_application_is_not_found() -> None:
    mine, theirs = register_application(), register_application()
    client = Client()
    web_sign_in(client, mine)
    url = f"/cabinet/applications/{theirs.pk}/withdraw/"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert client.post(url + "confirm/", {"code": "123456"}).status_code == 404
    # A code sent for my application cannot withdraw theirs.
    client.post(f"/cabinet/applications/{mine.pk}/withdraw/")
    assert client.post(url + "confirm/", {"code": last_code(mine.applicant.phone)}).status_code == 404
    assert Application.objects.get(pk=theirs.pk).status == "queued"


def test_no_iin_or_phone_in_any_url_of_the_journeys() -> None:
    application = register_application()
    applicant = application.applicant
    client = Client()
    locations: list[str] = []
    response = client.post("/cabinet/login/", {"iin": applicant.iin, **CAPTCHA})
    locations.append(response["Location"])
    response = client.post("/cabinet/login/code/", {"code": last_code(applicant.phone)})
    locations.append(response["Location"])
    response = client.post("/cabinet/login/password/", {"password1": PASSWORD, "password2": PASSWORD})
    locations.append(response["Location"])
    html = client.get("/cabinet/").content.decode()
    hrefs = re.findall(r'(?:href|action)="([^"]*)"', html)
    for url in locations + hrefs:
        for secret in (applicant.iin, application.child.iin, applicant.phone, applicant.phone[1:]):
            assert secret not in url
    assert applicant.iin not in html
    assert applicant.phone not in html


def test_csrf_is_enforced_on_the_pages() -> None:
    client = Client(enforce_csrf_checks=True)
    application = register_application()
    response = client.post("/cabinet/login/", {"iin": application.applicant.iin, **CAPTCHA})
    assert response.status_code == 403


def test_a_cleanup_stop_listing_is_lifted_from_the_cabinet_but_not_another() -> None:
    cleaned = register_application()
    waitlist_services.application_stop_list(application=cleaned, reason="cleanup")
    client = Client()
    web_sign_in(client, cleaned)
    html = client.get("/cabinet/").content.decode()
    assert "interest not confirmed in the yearly confirmation" in html
    url = f"/cabinet/applications/{cleaned.pk}/restore/"
    assert url in html
    assert client.get(url).status_code == 405  # POST only
    response = client.post(url)
    assert response["Location"] == "/cabinet/"
    assert Application.objects.get(pk=cleaned.pk).status == "queued"
    assert client.post(url).status_code == 409  # not on the stop-list any more
    # Another family's application: not found; a manual stop-listing: only the department lifts it.
    theirs = register_application()
    assert client.post(f"/cabinet/applications/{theirs.pk}/restore/").status_code == 404
    expired = register_application(
        applicant=RegistryPerson.objects.get(iin=cleaned.applicant.iin),
        phones=(cleaned.applicant.phone, cleaned.applicant.phone_alt),
    )
    staff = User.objects.create_user("officer", is_staff=True)
    waitlist_services.application_stop_list(
        application=expired, reason="manual", basis=basis("duplicate documents were found"), by_staff=staff
    )
    refused = client.post(f"/cabinet/applications/{expired.pk}/restore/")
    assert refused.status_code == 403
    assert "Only the education department" in refused.content.decode()
    assert f"/cabinet/applications/{expired.pk}/restore/" not in client.get("/cabinet/").content.decode()
