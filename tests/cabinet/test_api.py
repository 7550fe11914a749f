"""The cabinet: captcha and IIN → SMS code → password, lockout, forgotten password, phone change, own data
only; the first step tells nothing about whether an IIN has an application."""

import re
from collections.abc import Mapping
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kezek.notifications.selectors import outbox_latest
from kezek.verification.models import PhoneCode
from kezek.waitlist.models import Applicant, Application
from tests.factories import RegistryPersonFactory, register_application
from tests.factories.waitlist import next_phone

pytestmark = pytest.mark.django_db
PASSWORD = "Kezek-test-2026!"
CAPTCHA = {"captcha_key": "test", "captcha_answer": "PASSED"}  # CAPTCHA_TEST_MODE (conftest)


def post(client: Client, url: str, data: Mapping[str, object], csrf: str = "") -> Any:
    headers = {"X-CSRFToken": csrf} if csrf else None
    return client.post(f"/api/v1{url}", data, content_type="application/json", headers=headers)


def last_code(phone: str) -> str:
    message = outbox_latest(recipient=phone)
    assert message is not None
    return re.search(r"\b(\d{6})\b", message.body).group(1)  # type: ignore[union-attr]


def start(client: Client, iin: str, url: str = "/cabinet/login") -> Any:
    """Step 1 (sign-in or forgotten password): the IIN with a passed captcha."""
    return post(client, url, {"iin": iin, **CAPTCHA})


def sign_in(client: Client, application: Application, password: str = PASSWORD) -> int:
    """Walk the three steps; returns the status of the last one."""
    sent = start(client, application.applicant.iin)
    assert sent.status_code == 200, sent.content
    assert set(sent.json()) == {"code_id", "expires_at"}  # no phone, not even masked
    code = last_code(application.applicant.phone)
    confirmed = post(client, "/cabinet/login/confirm", {"code_id": sent.json()["code_id"], "code": code})
    assert confirmed.status_code == 200, confirmed.content
    return post(client, "/cabinet/login/password", {"password": password}).status_code


def test_first_sign_in_sets_the_password_then_lists_only_my_applications() -> None:
    client = Client()
    mine = register_application()
    register_application()  # another family
    assert client.get("/api/v1/cabinet/applications").status_code == 401
    assert sign_in(client, mine) == 200
    assert Applicant.objects.get(pk=mine.applicant_id).password.startswith("pbkdf2")
    response = client.get("/api/v1/cabinet/applications")
    assert response.status_code == 200
    assert [row["number"] for row in response.json()] == [mine.pk]


def test_weak_password_is_refused() -> None:
    client = Client()
    assert sign_in(client, register_application(), password="12345678") == 422


def test_wrong_passwords_lock_the_cabinet() -> None:
    application = register_application()
    assert sign_in(Client(), application) == 200
    client = Client()
    sent = start(client, application.applicant.iin)
    code = last_code(application.applicant.phone)
    post(client, "/cabinet/login/confirm", {"code_id": sent.json()["code_id"], "code": code})
    statuses = [
        post(client, "/cabinet/login/password", {"password": f"wrong-{i}"}).status_code for i in range(6)
    ]
    assert statuses == [422] * 5 + [429]
    response = post(client, "/cabinet/login/password", {"password": PASSWORD})
    assert response.status_code == 429  # even the right password, until the lockout ends
    assert "Retry-After" in response


def test_password_step_needs_the_sms_step() -> None:
    assert post(Client(), "/cabinet/login/password", {"password": PASSWORD}).status_code == 403


def test_invalid_iin() -> None:
    assert start(Client(), "123456789012").status_code == 422


@pytest.mark.parametrize("url", ["/cabinet/login", "/cabinet/password/reset"])
def test_known_and_unknown_iins_get_the_same_answer(url: str) -> None:
    application = register_application()
    stranger = RegistryPersonFactory.create(adult=True)
    known, unknown = start(Client(), application.applicant.iin, url), start(Client(), stranger.iin, url)
    assert (known.status_code, unknown.status_code) == (200, 200)
    assert set(known.json()) == set(unknown.json()) == {"code_id", "expires_at"}
    assert known.json()["code_id"] != unknown.json()["code_id"]
    # No SMS for the unknown IIN: its code can only be guessed wrong, exactly like a wrong real code.
    code = last_code(application.applicant.phone)
    wrong = "000000" if code != "000000" else "111111"
    confirm = f"{url}/confirm"
    bodies = [{"code_id": answer.json()["code_id"], "code": wrong} for answer in (known, unknown)]
    if url.endswith("reset"):
        bodies = [body | {"password": PASSWORD} for body in bodies]
    refusals = [post(Client(), confirm, body) for body in bodies]
    assert [r.status_code for r in refusals] == [422, 422]
    assert refusals[0].json() == refusals[1].json()  # "The code is wrong. 4 attempts left."


def test_the_api_needs_the_captcha(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.CAPTCHA_TEST_MODE = False
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", False)
    from captcha.models import CaptchaStore  # type: ignore[import-untyped]

    iin = register_application().applicant.iin
    client = Client()
    for url in ("/cabinet/login", "/cabinet/password/reset"):
        assert post(client, url, {"iin": iin}).status_code == 422  # no captcha at all
        picture = client.get("/api/v1/cabinet/captcha")
        assert picture.status_code == 200
        key = picture.json()["captcha_key"]
        assert picture.json()["image_url"] == f"/captcha/image/{key}/"
        assert client.get(picture.json()["image_url"])["Content-Type"] == "image/png"
        answer = CaptchaStore.objects.get(hashkey=key).response
        wrong = post(client, url, {"iin": iin, "captcha_key": key, "captcha_answer": "wrong"})
        assert (wrong.status_code, wrong.json()["code"]) == (422, "captcha_invalid")
        # A picture answers once: the right answer after a wrong one is refused too.
        again = post(client, url, {"iin": iin, "captcha_key": key, "captcha_answer": answer})
        assert again.status_code == 422
        key = client.get("/api/v1/cabinet/captcha").json()["captcha_key"]
        answer = CaptchaStore.objects.get(hashkey=key).response
        right = post(client, url, {"iin": iin, "captcha_key": key, "captcha_answer": answer.upper()})
        assert right.status_code == 200, right.content
    assert PhoneCode.objects.filter(purpose__in=["cabinet_login", "password_reset"]).count() == 2


def applicant_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "waitlist_applicant" in q["sql"]]


def test_the_iin_limit_holds_known_and_unknown_iins_alike_before_the_lookup(settings: Any) -> None:
    settings.CABINET_START_IIN_LIMIT = 3
    known = register_application().applicant.iin
    unknown = RegistryPersonFactory.create(adult=True).iin
    for iin in (known, unknown):
        # Sign-in and the forgotten password count together; each request from another address.
        statuses = [
            post(Client(REMOTE_ADDR=f"192.0.2.{n}"), url, {"iin": iin, **CAPTCHA}).status_code
            for n, url in enumerate(["/cabinet/login", "/cabinet/password/reset", "/cabinet/login"])
        ]
        assert statuses == [200, 200, 200]
        with CaptureQueriesContext(connection) as queries:
            refused = start(Client(REMOTE_ADDR="192.0.2.99"), iin)
        assert refused.status_code == 429
        assert refused["Retry-After"] == "3600"
        assert applicant_queries(queries) == []  # refused before the lookup
    assert start(Client(), RegistryPersonFactory.create(adult=True).iin).status_code == 200  # others go on


def test_the_address_limit_holds_before_the_lookup(settings: Any) -> None:
    settings.CABINET_START_IP_LIMIT = 2
    client = Client(REMOTE_ADDR="198.51.100.7")
    known = register_application().applicant.iin
    strangers = [RegistryPersonFactory.create(adult=True).iin for _ in range(2)]
    assert [start(client, iin).status_code for iin in strangers] == [200, 200]
    with CaptureQueriesContext(connection) as queries:
        refused = start(client, known, "/cabinet/password/reset")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 3500
    assert applicant_queries(queries) == []
    assert start(Client(REMOTE_ADDR="198.51.100.8"), known).status_code == 200


def test_a_registration_code_cannot_sign_in() -> None:
    application = register_application()
    client = Client()
    sent = start(client, application.applicant.iin)
    code = last_code(application.applicant.phone)
    other = PhoneCode.objects.filter(purpose="phone_verification").first()
    assert other is not None
    response = post(client, "/cabinet/login/confirm", {"code_id": str(other.pk), "code": code})
    assert response.status_code in (422, 429)
    assert post(client, "/cabinet/login/password", {"password": PASSWORD}).status_code == 403
    assert sent.status_code == 200


def test_withdraw_mine_but_never_another_familys() -> None:
    client = Client(enforce_csrf_checks=True)
    mine, theirs = register_application(), register_application()
    assert sign_in(client, mine) == 200
    url = f"/cabinet/applications/{theirs.pk}/withdraw"
    assert post(client, url, {}).status_code == 403  # no CSRF token
    client.get("/")  # any page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert post(client, url, {}, csrf=token).status_code == 404
    assert Application.objects.get(pk=theirs.pk).status == "queued"
    # Withdrawal takes two steps: a code to my phone, then the code.
    sent = post(client, f"/cabinet/applications/{mine.pk}/withdraw", {}, csrf=token)
    assert sent.status_code == 200, sent.content
    assert sent.json()["phone"].count("*") >= 5  # masked
    assert Application.objects.get(pk=mine.pk).status == "queued"  # nothing happens without the code
    code = {"code_id": sent.json()["code_id"], "code": last_code(mine.applicant.phone)}
    # My code cannot withdraw their application.
    assert post(client, f"{url}/confirm", code, csrf=token).status_code == 404
    assert Application.objects.get(pk=theirs.pk).status == "queued"
    response = post(client, f"/cabinet/applications/{mine.pk}/withdraw/confirm", code, csrf=token)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"


def test_withdraw_refuses_a_wrong_code_or_a_code_of_another_application() -> None:
    client = Client(enforce_csrf_checks=True)
    application = register_application()
    assert sign_in(client, application) == 200
    client.get("/")
    token = client.cookies["csrftoken"].value
    url = f"/cabinet/applications/{application.pk}/withdraw"
    sent = post(client, url, {}, csrf=token).json()
    code = last_code(application.applicant.phone)
    wrong = "000000" if code != "000000" else "111111"
    response = post(client, f"{url}/confirm", {"code_id": sent["code_id"], "code": wrong}, csrf=token)
    assert (response.status_code, response.json()["code"]) == (422, "code_invalid")
    # A sign-in code (another purpose) does not withdraw.
    login = start(client, application.applicant.iin).json()
    login_code = last_code(application.applicant.phone)
    response = post(client, f"{url}/confirm", {"code_id": login["code_id"], "code": login_code}, csrf=token)
    assert response.status_code == 422
    assert Application.objects.get(pk=application.pk).status == "queued"


def test_forgotten_password() -> None:
    application = register_application()
    assert sign_in(Client(), application) == 200
    client = Client()
    sent = start(client, application.applicant.iin, "/cabinet/password/reset")
    code = last_code(application.applicant.phone)
    new = "Another-pass-2027?"
    body = {"code_id": sent.json()["code_id"], "code": code, "password": new}
    assert post(client, "/cabinet/password/reset/confirm", body).status_code == 200
    assert sign_in(Client(), application, password=new) == 200


def test_phone_change_needs_the_childs_iin_and_codes_to_the_new_and_the_second_phone() -> None:
    application = register_application()
    applicant = application.applicant
    signed_in = Client()
    assert sign_in(signed_in, application) == 200
    client = Client()
    new_phone = next_phone()
    wrong = {"applicant_iin": applicant.iin, "child_iin": applicant.iin, "new_phone": new_phone}
    refused = post(client, "/cabinet/phone", wrong)
    assert (refused.status_code, refused.json()["code"]) == (422, "child_mismatch")
    # An IIN without applications is refused alike: nothing tells which IINs have some.
    stranger = RegistryPersonFactory.create(adult=True).iin
    unknown = post(client, "/cabinet/phone", wrong | {"applicant_iin": stranger})
    assert (unknown.status_code, unknown.json()) == (422, refused.json())
    sent = post(client, "/cabinet/phone", wrong | {"child_iin": application.child.iin})
    assert sent.status_code == 200
    codes = sent.json()
    new_code, alt_code = last_code(new_phone), last_code(applicant.phone_alt)
    body = {"code_id": codes["new_phone"]["code_id"], "code": new_code}
    # The new number's code alone is not enough.
    bad = body | {
        "alt_code_id": codes["second_phone"]["code_id"],
        "alt_code": "000000" if alt_code != "000000" else "111111",
    }
    assert post(client, "/cabinet/phone/confirm", bad).status_code == 422
    good = body | {"alt_code_id": codes["second_phone"]["code_id"], "alt_code": alt_code}
    assert post(client, "/cabinet/phone/confirm", good).status_code == 200
    assert Applicant.objects.get(pk=applicant.pk).phone == new_phone
    notice = outbox_latest(recipient=applicant.phone, template="phone_changed")
    assert notice is not None
    assert new_phone not in notice.body  # masked
    # Every session opened before the change has ended.
    assert signed_in.get("/api/v1/cabinet/applications").status_code == 401


def test_sign_out() -> None:
    client = Client()
    assert sign_in(client, register_application()) == 200
    post(client, "/cabinet/logout", {})
    assert client.get("/api/v1/cabinet/applications").status_code == 401


def test_refusals_have_the_api_error_shape() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get("/api/v1/cabinet/applications").json()["code"] == "unauthorized"
    mine = register_application()
    assert sign_in(client, mine) == 200
    response = post(client, f"/cabinet/applications/{mine.pk}/withdraw", {})
    assert (response.status_code, response.json()["code"]) == (403, "csrf")


def test_restore_after_a_missed_confirmation() -> None:
    from kezek.waitlist.services import application_stop_list

    client = Client()
    mine, theirs = register_application(), register_application()
    application_stop_list(application=mine, reason="cleanup")
    application_stop_list(application=theirs, reason="cleanup")
    assert sign_in(client, mine) == 200
    assert post(client, f"/cabinet/applications/{theirs.pk}/restore", {}).status_code == 404
    response = post(client, f"/cabinet/applications/{mine.pk}/restore", {})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "queued"
    assert post(client, f"/cabinet/applications/{mine.pk}/restore", {}).status_code == 409
    assert Application.objects.get(pk=theirs.pk).status == "stop_listed"
