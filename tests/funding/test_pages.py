"""Funding pages and API: the department runs the month, the head sees their statement, exports, open data."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client

from kezek.attendance.selectors import working_days
from kezek.funding.models import Rate, Statement, StatementRow, Terms
from kezek.staff.models import Role
from tests.factories.staff import staff_login, staff_user

from .helpers import MONTH, enrol, group_of, kindergarten, lock_month, mark_month, operator, rates, row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kezek.core.clock.today", lambda: dt.date(2026, 12, 9))


@pytest.fixture
def month():
    org = kindergarten()
    staff = operator(org.locality)
    rates(org.locality, staff)
    group = group_of(org)
    for _ in range(2):
        mark_month(enrol(group), MONTH, ["+"] * len(working_days(group=group, month=MONTH)), by=staff)
    lock_month(group, MONTH)
    return org, staff


def test_the_department_runs_and_freezes_the_month_on_its_page(month, client: Client) -> None:
    org, staff = month
    staff_login(client, staff)
    page = client.get("/staff/funding/", {"month": "2026-10"})
    assert page.status_code == 200
    data = {"locality": org.locality.code, "month": "2026-10", "action": "calculate"}
    assert client.post("/staff/funding/", data).status_code == 302
    assert Statement.objects.get().state == "draft"
    assert client.post("/staff/funding/", {**data, "action": "freeze"}).status_code == 302
    assert Statement.objects.get().state == "frozen"
    again = client.post("/staff/funding/", {**data, "action": "freeze"})
    assert again.status_code == 409
    csv = client.get(f"/staff/funding/register/2026-10.csv?locality={org.locality.code}")
    assert csv.status_code == 200
    assert org.bin in csv.content.decode("utf-8-sig")
    xlsx = client.get(f"/staff/funding/register/2026-10.xlsx?locality={org.locality.code}")
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


def test_a_negative_rate_on_the_page_is_422_and_nothing_is_written(month, client: Client) -> None:
    org, staff = month
    staff_login(client, staff)
    before = row_counts()
    response = client.post(
        "/staff/funding/",
        {
            "locality": org.locality.code, "action": "rate", "rate-ownership": "state",
            "rate-group_kind": "general", "rate-stay_mode": "full_day", "rate-age_from": 0, "rate-age_to": 8,
            "rate-amount": "-1", "rate-valid_from": "2027-01", "rate-decision_number": "5",
        },
    )  # fmt: skip
    assert response.status_code == 422
    assert row_counts() == before


def test_the_head_sees_only_their_statement(month, client: Client) -> None:
    org, staff = month
    from kezek.funding import services

    services.statements_calculate(month=MONTH, locality=org.locality, by_staff=staff)
    statement = Statement.objects.get()
    head = staff_user(role=Role.KINDERGARTEN_HEAD, organisation=org)
    staff_login(client, head)
    assert client.get("/staff/funding/").status_code == 403
    listing = client.get("/staff/kindergarten/funding/")
    assert listing.status_code == 200
    page = client.get(f"/staff/kindergarten/funding/{statement.pk}/")
    assert page.status_code == 200
    assert "Тестов" in page.content.decode()
    api = client.get(f"/api/v1/funding/statements/{statement.pk}")
    assert api.status_code == 200
    assert len(api.json()["rows"]) == 2
    other = staff_user(role=Role.KINDERGARTEN_HEAD, organisation=kindergarten(org.locality))
    staff_login(client, other)
    assert client.get(f"/staff/kindergarten/funding/{statement.pk}/").status_code == 404
    assert client.get(f"/api/v1/funding/statements/{statement.pk}").status_code == 404


def test_api_bad_input_is_refused_with_nothing_written(month, client: Client) -> None:
    org, staff = month
    staff_login(client, staff)
    before = row_counts()
    rate = {
        "locality": org.locality.code, "ownership": "state", "group_kind": "general", "age_from": 0,
        "age_to": 8, "stay_mode": "full_day", "amount": "70000.00", "valid_from": "2026-06-01",
        "valid_until": "2027-01-01", "decision_number": "№ 7",
    }  # fmt: skip
    overlap = client.post("/api/v1/staff/funding/rates", json.dumps(rate), content_type="application/json")
    assert overlap.status_code == 409
    negative = {**rate, "amount": "-5.00", "valid_from": "2030-01-01", "valid_until": None}
    response = client.post(
        "/api/v1/staff/funding/rates", json.dumps(negative), content_type="application/json"
    )
    assert response.status_code == 422
    terms = {
        "locality": org.locality.code, "max_parent_fee": "-1", "paid_reasons": [], "valid_from": "2030-01-01",
        "decision_number": "1",
    }  # fmt: skip
    response = client.post("/api/v1/staff/funding/terms", json.dumps(terms), content_type="application/json")
    assert response.status_code == 422
    not_over = client.post(
        "/api/v1/staff/funding/months/2026-12-01/calculate",
        json.dumps({"locality": org.locality.code}),
        content_type="application/json",
    )
    assert not_over.status_code == 409
    assert row_counts() == before
    ok = {**rate, "valid_from": "2030-01-01", "valid_until": None}
    created = client.post("/api/v1/staff/funding/rates", json.dumps(ok), content_type="application/json")
    assert created.status_code == 201
    assert Rate.objects.get(pk=created.json()["id"]).amount == Decimal("70000.00")
    assert Terms.objects.count() == 1


def test_open_data_shows_frozen_statements_only(month, client: Client) -> None:
    org, staff = month
    from kezek.funding import services

    services.statements_calculate(month=MONTH, locality=org.locality, by_staff=staff)
    api = f"/api/v1/open-data/{org.locality.code}/funding"
    assert client.get(api).json() == []
    services.statements_freeze(month=MONTH, locality=org.locality, by_staff=staff)
    (line,) = client.get(api).json()
    assert line["organisation"] == org.pk
    assert line["paid_days"] == sum(StatementRow.objects.values_list("paid_days", flat=True))
    assert "child" not in json.dumps(line)
    page = client.get("/open-data/funding/")
    assert page.status_code == 200
