"""The read-only admin of SMS codes (masked phone, no hash) and the API schemas."""

import datetime as dt
import typing
import uuid

import pytest
from django.test import Client
from pydantic import ValidationError

from kezek.verification.models import PhoneCode
from kezek.verification.schemas import (
    PhoneCodeConfirmIn,
    PhoneCodeConfirmOut,
    PhoneCodeStartIn,
    PhoneCodeStartOut,
    PurposeLiteral,
)
from kezek.verification.services import attempt_limiter_fail
from tests.verification.conftest import send


@pytest.mark.django_db
def test_admin_list_and_detail_mask_the_phone_and_hide_the_hash(admin_client: Client) -> None:
    phone_code, code = send("+77014567890", subject="A-00042")
    pages = [
        admin_client.get("/admin/verification/phonecode/"),
        admin_client.get(f"/admin/verification/phonecode/{phone_code.pk}/change/"),
    ]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        assert "+7 701 *** ** 90" in html
        assert "4567890" not in html
        assert phone_code.code_hash not in html
        assert phone_code.code_hash[:12] not in html
        assert code not in html
    assert "A-00042" in pages[0].content.decode()


@pytest.mark.django_db
def test_admin_is_read_only(admin_client: Client) -> None:
    phone_code, _code = send()
    assert admin_client.get("/admin/verification/phonecode/add/").status_code == 403
    response = admin_client.post(
        f"/admin/verification/phonecode/{phone_code.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert response.status_code == 403
    assert PhoneCode.objects.filter(pk=phone_code.pk).exists()


@pytest.mark.django_db
def test_admin_search_by_any_spelling_of_the_phone(admin_client: Client) -> None:
    mine, _code = send("+77014567890")
    send("+77014567891")
    response = admin_client.get("/admin/verification/phonecode/", {"q": "8 (701) 456-78-90"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]


@pytest.mark.django_db
def test_admin_lists_failed_attempt_counters(admin_client: Client) -> None:
    attempt_limiter_fail(key="login:900101300123")
    response = admin_client.get("/admin/verification/failedattempt/")
    assert response.status_code == 200
    assert "900101300123" not in response.content.decode()


def test_purpose_literal_matches_the_model() -> None:
    assert set(typing.get_args(PurposeLiteral)) == set(PhoneCode.Purpose.values)


def test_start_in() -> None:
    assert PhoneCodeStartIn(phone="+7 701 234 56 78", purpose="cabinet_login").purpose == "cabinet_login"
    with pytest.raises(ValidationError):
        PhoneCodeStartIn(phone="+77012345678", purpose="lottery")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        PhoneCodeStartIn(phone="", purpose="cabinet_login")


@pytest.mark.parametrize("code", ["012345", "999999"])
def test_confirm_in_accepts_six_digits(code: str) -> None:
    assert PhoneCodeConfirmIn(code_id=uuid.uuid4(), code=code).code == code


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "123456\n", " 123456"])
def test_confirm_in_refuses_anything_else(code: str) -> None:
    with pytest.raises(ValidationError):
        PhoneCodeConfirmIn(code_id=uuid.uuid4(), code=code)


def test_out_schemas() -> None:
    code_id = uuid.uuid4()
    expires_at = dt.datetime(2026, 3, 2, 9, 5, tzinfo=dt.UTC)
    start = PhoneCodeStartOut(code_id=code_id, expires_at=expires_at, resend_after_seconds=60)
    assert start.model_dump() == {"code_id": code_id, "expires_at": expires_at, "resend_after_seconds": 60}
    with pytest.raises(ValidationError):
        PhoneCodeStartOut(code_id=code_id, expires_at=expires_at, resend_after_seconds=-1)
    assert PhoneCodeConfirmOut(code_id=code_id, confirmed=True).confirmed is True
