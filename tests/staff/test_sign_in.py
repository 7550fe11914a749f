"""Staff sign-in: password then TOTP (enrolled on the first sign-in), lockouts, roles fit their scope, the
admin for administrators only, the staff API only with a verified second factor."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kezek.staff.models import Role, StaffProfile
from tests.factories import (
    STAFF_PASSWORD,
    LocalityFactory,
    OrganisationFactory,
    RegionFactory,
    staff_login,
    staff_user,
)

pytestmark = pytest.mark.django_db


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_first_sign_in_enrols_an_authenticator_then_opens_the_back_office() -> None:
    user = staff_user(role=Role.OPERATOR, username="aigerim")
    TOTPDevice.objects.filter(user=user).delete()  # never enrolled
    client = Client()
    assert client.get("/staff/").status_code == 302
    response = client.post(
        "/staff/login/", {"username": "aigerim", "password": STAFF_PASSWORD, "next": "/staff/"}
    )
    assert response.status_code == 302
    assert "/staff/login/code/" in response["Location"]
    assert client.get("/staff/").status_code == 302  # the password alone opens nothing
    page = client.get(response["Location"])
    assert 'src="data:image/svg+xml' in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(response["Location"], {"token": "000000"}).status_code == 422
    done = client.post(response["Location"], {"token": code_of(device)})
    assert done.status_code == 302
    assert done["Location"] == "/staff/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/staff/").status_code == 200


def test_wrong_passwords_lock_the_username() -> None:
    staff_user(username="bolat")
    client = Client()
    statuses = [
        client.post("/staff/login/", {"username": "bolat", "password": "wrong-password"}).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [422] * 5
    assert statuses[5] == 429
    assert client.post("/staff/login/", {"username": "bolat", "password": STAFF_PASSWORD}).status_code == 429


def wrong_password_from(address: str, username: str = "bolat") -> int:
    data = {"username": username, "password": "wrong-password"}
    return Client(REMOTE_ADDR=address).post("/staff/login/", data).status_code


def test_wrong_passwords_from_other_addresses_do_not_lock_the_owner_out() -> None:
    staff_user(username="bolat")
    assert [wrong_password_from(f"203.0.113.{n}") for n in range(1, 6)] == [422] * 5
    owner = Client(REMOTE_ADDR="192.0.2.10")
    response = owner.post("/staff/login/", {"username": "bolat", "password": STAFF_PASSWORD})
    assert response.status_code == 302
    # Each of those addresses has its own five tries.
    assert [wrong_password_from("203.0.113.1") for _ in range(5)] == [422] * 4 + [429]


def test_the_per_username_ceiling_locks_across_addresses(settings: Any) -> None:
    settings.STAFF_PASSWORD_USERNAME_LIMIT = 8
    staff_user(username="bolat")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        assert [wrong_password_from(f"203.0.113.{n}") for n in range(8)] == [422] * 8
        owner, right = Client(REMOTE_ADDR="192.0.2.10"), {"username": "bolat", "password": STAFF_PASSWORD}
        locked = owner.post("/staff/login/", right)
        assert locked.status_code == 429
        assert locked["Retry-After"] == "3600"
        assert wrong_password_from("203.0.113.50", username="other") == 422  # other usernames go on
        traveller.shift(3600)
        assert owner.post("/staff/login/", right).status_code == 302


def test_a_successful_sign_in_gives_back_its_reservation_only(settings: Any) -> None:
    settings.STAFF_PASSWORD_USERNAME_LIMIT = 4
    staff_user(username="bolat")
    assert [wrong_password_from(f"203.0.113.{n}") for n in range(3)] == [422] * 3
    owner = {"username": "bolat", "password": STAFF_PASSWORD}
    assert Client(REMOTE_ADDR="192.0.2.10").post("/staff/login/", owner).status_code == 302
    # The three failures stay counted: one more failure reaches the ceiling.
    assert wrong_password_from("203.0.113.9") == 422
    assert Client(REMOTE_ADDR="192.0.2.10").post("/staff/login/", owner).status_code == 429


def test_wrong_codes_lock_the_second_factor() -> None:
    user = staff_user(username="dana")
    client = Client()
    client.post("/staff/login/", {"username": "dana", "password": STAFF_PASSWORD})
    statuses = [client.post("/staff/login/code/", {"token": "123456"}).status_code for _ in range(6)]
    assert statuses[-1] == 429
    right = code_of(TOTPDevice.objects.get(user=user))
    assert client.post("/staff/login/code/", {"token": right}).status_code == 429


def test_a_user_without_a_role_cannot_sign_in() -> None:
    User.objects.create_user("citizen", password=STAFF_PASSWORD)
    response = Client().post("/staff/login/", {"username": "citizen", "password": STAFF_PASSWORD})
    assert response.status_code == 403


def test_the_database_refuses_a_scope_that_does_not_fit_the_role() -> None:
    user = User.objects.create_user("x")
    locality = LocalityFactory.create()
    organisation = OrganisationFactory.create(locality=locality)
    bad: list[dict[str, Any]] = [
        {"role": Role.OPERATOR},
        {"role": Role.OPERATOR, "locality": locality, "organisation": organisation},
        {"role": Role.KINDERGARTEN_HEAD, "locality": locality},
        {"role": Role.AUDITOR, "locality": locality, "region": RegionFactory.create()},
        {"role": Role.ADMINISTRATOR, "locality": locality},
    ]
    for fields in bad:
        with pytest.raises(IntegrityError), transaction.atomic():
            StaffProfile.objects.create(user=user, **fields)


def test_the_admin_is_for_administrators_with_a_second_factor() -> None:
    operator = staff_login(Client(), staff_user(role=Role.OPERATOR))
    assert operator.get("/admin/").status_code == 302
    administrator = staff_user(role=Role.ADMINISTRATOR)
    unverified = Client()
    unverified.force_login(administrator)
    assert "/staff/login/" in unverified.get("/admin/", follow=True).redirect_chain[-1][0]
    assert staff_login(Client(), administrator).get("/admin/").status_code == 200


def test_the_staff_api_needs_the_second_factor() -> None:
    administrator = staff_user(role=Role.ADMINISTRATOR)
    client = Client()
    client.force_login(administrator)
    url = "/api/v1/staff/directions/999999/enroll"
    assert client.post(url, {}, content_type="application/json").status_code == 401
    staff_login(client, administrator)
    assert client.post(url, {}, content_type="application/json").status_code == 404
