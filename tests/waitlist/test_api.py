"""The queue API end to end: phone codes from the outbox, registration, check-queue, queue lists."""

import re
from typing import Any

import pytest
from django.test import Client

from kezek.notifications.selectors import outbox_latest
from kezek.waitlist.models import Application
from tests.factories import (
    LocalityFactory,
    RegistryKinshipFactory,
    RegistryPersonFactory,
    certificate,
    register_application,
)
from tests.factories.waitlist import next_phone

pytestmark = pytest.mark.django_db


def confirm_phone(client: Client, phone: str) -> str:
    """Ask for a code, read it from the SMS in the outbox, confirm it; returns the code id."""
    response = client.post("/api/v1/phone-codes", {"phone": phone}, content_type="application/json")
    assert response.status_code == 201, response.content
    code_id = response.json()["code_id"]
    message = outbox_latest(recipient=phone)
    assert message is not None
    code = re.search(r"\b(\d{6})\b", message.body).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/api/v1/phone-codes/confirm", {"code_id": code_id, "code": code}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return str(code_id)


@pytest.fixture
def form(client: Client) -> dict[str, object]:
    locality = LocalityFactory.create(code="oskemen")
    child = RegistryPersonFactory.create()
    applicant = RegistryPersonFactory.create(adult=True)
    RegistryKinshipFactory.create(parent=applicant, child=child)
    phone, phone_alt = next_phone(), next_phone()
    return {
        "locality": locality.code,
        "applicant_iin": applicant.iin,
        "child_iin": child.iin,
        "phone": phone,
        "phone_code_id": confirm_phone(client, phone),
        "phone_alt": phone_alt,
        "phone_alt_code_id": confirm_phone(client, phone_alt),
        "address": "Өскемен, Бурова көшесі, 51",
        "language": "kk",
        "notify_language": "kk",
    }


def test_register_then_check_by_iin(client: Client, form: dict[str, object]) -> None:
    response = client.post("/api/v1/applications", form)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["tier"], body["position"], body["cohort_size"]) == (
        "queued",
        "general",
        1,
        1,
    )
    sms = outbox_latest(recipient=str(form["phone"]), template="application_registered")
    assert sms is not None
    assert str(body["number"]) in sms.body
    check = client.post("/api/v1/queue/check", {"iin": form["child_iin"]}, content_type="application/json")
    assert check.status_code == 200
    assert [row["number"] for row in check.json()] == [body["number"]]
    assert "last_name" not in check.content.decode()


def test_register_with_a_certificate(client: Client, form: dict[str, object]) -> None:
    form |= {"benefit_category": "military", "document_issued_on": "2026-11-20", "document": certificate()}
    response = client.post("/api/v1/applications", form)
    assert response.status_code == 201, response.content
    assert response.json()["tier"] == "extraordinary"


def test_register_refuses_a_gif_and_writes_nothing(client: Client, form: dict[str, object]) -> None:
    form |= {
        "benefit_category": "military",
        "document_issued_on": "2026-11-20",
        "document": certificate("cert.gif", b"GIF89a..."),
    }
    response = client.post("/api/v1/applications", form, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 422
    assert response.json()["code"] == "document_type"
    assert Application.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"locality": "atlantis"}, 404, "not_found"),
        ({"child_iin": "123"}, 422, "child_iin_invalid"),
        ({"phone_code_id": "not-a-uuid"}, 422, "phone_not_confirmed"),
        ({"notify_channel": "pigeon"}, 422, "invalid"),
    ],
)
def test_register_errors_are_declared_statuses(
    client: Client, form: dict[str, object], change: dict[str, str], status: int, code: str
) -> None:
    response = client.post("/api/v1/applications", form | change)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert Application.objects.count() == 0


def test_duplicate_is_409(client: Client, form: dict[str, object], settings: Any) -> None:
    assert client.post("/api/v1/applications", form).status_code == 201
    settings.OTP_RESEND_INTERVAL_SECONDS = 0
    phone_alt = next_phone()
    form |= {"phone_code_id": confirm_phone(client, str(form["phone"]))}  # the cabinet's main phone again
    form |= {"phone_alt": phone_alt, "phone_alt_code_id": confirm_phone(client, phone_alt)}
    response = client.post("/api/v1/applications", form)
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate"


def test_phone_code_throttle_is_429_with_retry_after(client: Client) -> None:
    phone = next_phone()
    assert (
        client.post("/api/v1/phone-codes", {"phone": phone}, content_type="application/json").status_code
        == 201
    )
    response = client.post("/api/v1/phone-codes", {"phone": phone}, content_type="application/json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_check_queue_rejects_a_bad_iin(client: Client) -> None:
    response = client.post("/api/v1/queue/check", {"iin": "111111111111"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "iin_invalid"


def test_public_queue_list_shows_initials_only(client: Client) -> None:
    locality = LocalityFactory.create(code="ridder")
    applications = [register_application(locality=locality) for _ in range(3)]
    cohorts = {a.cohort for a in applications}
    for cohort in cohorts:
        response = client.get(f"/api/v1/queue/ridder/{cohort}")
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == len(body["items"]) >= 1
        for row in body["items"]:
            assert re.fullmatch(r"\w\.\w\.", row["initials"])
        html = response.content.decode()
        for application in applications:
            assert application.child.iin not in html
            assert application.child.last_name not in html
    assert client.get("/api/v1/queue/ridder/1800").status_code == 422
    assert client.get("/api/v1/queue/ridder/2022?page=0").status_code == 422
    assert client.get("/api/v1/queue/nowhere/2022").status_code == 404


def test_openapi_declares_every_error_status(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    register = spec["paths"]["/api/v1/applications"]["post"]["responses"]
    assert {"201", "404", "409", "422"} <= register.keys()
    assert {"200", "422"} <= spec["paths"]["/api/v1/queue/check"]["post"]["responses"].keys()


def test_check_queue_is_throttled_per_client(client: Client) -> None:
    body = {"iin": "111111111111"}
    statuses = [
        client.post(
            "/api/v1/queue/check", body, content_type="application/json", REMOTE_ADDR="10.1.2.3"
        ).status_code
        for _ in range(61)
    ]
    assert statuses[:60] == [422] * 60
    assert statuses[60] == 429
    other = client.post("/api/v1/queue/check", body, content_type="application/json", REMOTE_ADDR="10.1.2.4")
    assert other.status_code == 422
