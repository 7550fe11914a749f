"""Vouchers over HTTP: the parent's API (every answer declared), the cabinet pages, the staff list; and
the integrity check sees a voucher edited in SQL (E38)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client

from kezek.integrity.diff import integrity_check
from kezek.ledger.models import LedgerEvent
from kezek.placement.models import Direction
from kezek.staff.models import Role
from kezek.translog.public import public_data
from kezek.vouchers import services
from kezek.vouchers.models import Voucher
from tests.cabinet.test_api import post, sign_in
from tests.factories import staff_login, staff_user

from .helpers import ALMATY, kindergarten, queue, voucher_locality

pytestmark = pytest.mark.django_db
TUESDAY = dt.datetime(2026, 12, 15, 10, 0, tzinfo=ALMATY)


@pytest.fixture(autouse=True)
def quick_resend(settings) -> None:
    settings.OTP_RESEND_INTERVAL_SECONDS = 0


@time_machine.travel(TUESDAY, tick=False)
def test_parent_confirms_and_signs_over_the_api() -> None:
    locality = voucher_locality()
    mine, theirs = queue(locality, 2)
    group = kindergarten(locality, capacity=2)
    services.vouchers_issue(locality=locality)
    voucher = Voucher.objects.get(application=mine)
    other = Voucher.objects.get(application=theirs)
    client = Client()
    assert sign_in(client, mine) == 200
    listed = client.get("/api/v1/cabinet/vouchers").json()
    assert [(v["number"], v["state"]) for v in listed] == [(voucher.pk, "issued")]
    rows = Voucher.objects.count(), LedgerEvent.objects.count()
    assert post(client, f"/cabinet/vouchers/{other.pk}/confirm", {}).status_code == 404  # another family's
    assert (
        post(client, f"/cabinet/vouchers/{voucher.pk}/extend", {"days": 5}).status_code == 409
    )  # unconfirmed
    assert post(client, f"/cabinet/vouchers/{voucher.pk}/restore", {}).status_code == 409
    assert (Voucher.objects.count(), LedgerEvent.objects.count()) == rows
    confirmed = post(client, f"/cabinet/vouchers/{voucher.pk}/confirm", {})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["state"] == "confirmed"
    assert post(client, f"/cabinet/vouchers/{voucher.pk}/extend", {"days": 31}).status_code == 422
    extended = post(client, f"/cabinet/vouchers/{voucher.pk}/extend", {"days": 10})
    assert extended.status_code == 200
    signed = post(client, f"/cabinet/vouchers/{voucher.pk}/contract", {"organisation": group.organisation_id})
    assert signed.status_code == 200, signed.content
    assert signed.json()["state"] == "contracted"
    assert Direction.objects.get(application=mine).pk == signed.json()["direction"]
    assert integrity_check().findings == []
    # Public forms carry numbers, dates and states only.
    event = LedgerEvent.objects.filter(kind="voucher.contract_signed").get()
    assert set(public_data(event.kind, event.payload)) <= {
        "voucher", "application", "state", "confirm_until", "contract_until", "restore_until",
        "waiting_organisation", "direction", "group", "organisation",
    }  # fmt: skip


@time_machine.travel(TUESDAY, tick=False)
def test_cabinet_pages_and_staff_list() -> None:
    locality = voucher_locality()
    (mine,) = queue(locality, 1)
    group = kindergarten(locality, capacity=1)
    services.vouchers_issue(locality=locality)
    voucher = Voucher.objects.get()
    client = Client()
    assert sign_in(client, mine) == 200
    assert client.get("/vouchers/").status_code == 200
    page = client.get(f"/vouchers/{voucher.pk}/")
    assert page.status_code == 200
    assert "confirm" in page.content.decode()
    refused = client.post(f"/vouchers/{voucher.pk}/extend/", {"days": 5})  # not confirmed yet: 409, shown
    assert refused.status_code == 409
    assert 'role="alert"' in refused.content.decode()
    assert client.get(f"/vouchers/{voucher.pk + 1000}/").status_code == 404
    assert client.post(f"/vouchers/{voucher.pk}/confirm/").status_code == 302
    assert group.organisation.name in client.get(f"/vouchers/{voucher.pk}/").content.decode()
    response = client.post(f"/vouchers/{voucher.pk}/sign/", {"organisation": group.organisation_id})
    assert response.status_code == 302
    assert Voucher.objects.get().state == "contracted"
    staff = Client()
    staff_login(staff, staff_user(role=Role.OPERATOR, locality=locality))
    listed = staff.get("/vouchers/staff/")
    assert listed.status_code == 200
    assert str(voucher.application_id) in listed.content.decode()


@time_machine.travel(TUESDAY, tick=False)
def test_integrity_check_sees_a_voucher_edited_in_sql() -> None:
    locality = voucher_locality()
    queue(locality, 1)
    kindergarten(locality, capacity=1)
    services.vouchers_issue(locality=locality)
    voucher = Voucher.objects.get()
    assert integrity_check().findings == []
    with connection.cursor() as cursor:
        cursor.execute("UPDATE vouchers_voucher SET state = 'confirmed', confirmed_at = issued_at, "
                       "contract_until = confirm_until WHERE id = %s", [voucher.pk])  # fmt: skip
    findings = integrity_check().findings
    assert [(f.kind, f.object) for f in findings] == [
        ("voucher.state", f"voucher {voucher.pk}"),
        ("voucher.contract_until", f"voucher {voucher.pk}"),
    ]
