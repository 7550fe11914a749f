"""The cabinet: IIN → SMS code → password, lockout, forgotten password, phone change, own data only."""

import re
from collections.abc import Mapping
from typing import Any

import pytest
from django.test import Client

from kezek.notifications.selectors import outbox_latest
from kezek.verification.models import PhoneCode
from kezek.waitlist.models import Applicant, Application
from tests.factories import RegistryPersonFactory, register_application
from tests.factories.waitlist import next_phone

pytestmark = pytest.mark.django_db
PASSWORD = "Kezek-test-2026!"


def post(client: Client, url: str, data: Mapping[str, object], csrf: str = "") -> Any:
    headers = {"X-CSRFToken": csrf} if csrf else None
    return client.post(f"/api/v1{url}", data, content_type="application/json", headers=headers)


def last_code(phone: str) -> str:
    message = outbox_latest(recipient=phone)
    assert message is not None
    return re.search(r"\b(\d{6})\b", message.body).group(1)  # type: ignore[union-attr]


def sign_in(client: Client, application: Application, password: str = PASSWORD) -> int:
    """Walk the three steps; returns the status of the last one."""
    sent = post(client, "/cabinet/login", {"iin": application.applicant.iin})
    assert sent.status_code == 200, sent.content
    assert sent.json()["phone"].count("*") >= 5  # masked
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
    sent = post(client, "/cabinet/login", {"iin": application.applicant.iin})
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


def test_unknown_or_invalid_iin() -> None:
    client = Client()
    stranger = RegistryPersonFactory.create(adult=True)
    assert post(client, "/cabinet/login", {"iin": stranger.iin}).status_code == 404
    assert post(client, "/cabinet/login", {"iin": "123456789012"}).status_code == 422


def test_a_registration_code_cannot_sign_in() -> None:
    application = register_application()
    client = Client()
    sent = post(client, "/cabinet/login", {"iin": application.applicant.iin})
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
    login = post(client, "/cabinet/login", {"iin": application.applicant.iin}).json()
    login_code = last_code(application.applicant.phone)
    response = post(client, f"{url}/confirm", {"code_id": login["code_id"], "code": login_code}, csrf=token)
    assert response.status_code == 422
    assert Application.objects.get(pk=application.pk).status == "queued"


def test_forgotten_password() -> None:
    application = register_application()
    assert sign_in(Client(), application) == 200
    client = Client()
    sent = post(client, "/cabinet/password/reset", {"iin": application.applicant.iin})
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
    assert post(client, "/cabinet/phone", wrong).status_code == 422
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
