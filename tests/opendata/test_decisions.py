"""D1 in public: every discretionary staff act of a locality, as a redacted line — the act, the application's
number (or the kindergarten of a staff child), the document's number, the basis's hash and the ledger's
number — on a page, in the API and the downloads; never the written reason nor a person."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kezek.cabinet.services import access_request_decide
from kezek.discretion.models import DiscretionBasis
from kezek.ledger.models import LedgerEvent
from kezek.opendata import selectors
from kezek.placement import services as placement
from kezek.waitlist import services as waitlist
from kezek.waitlist.models import Application
from tests.discretion.test_basis import access_request
from tests.factories import RegistryPersonFactory, basis, register_application, staff_user
from tests.opendata.conftest import ALMATY, Region, at
from tests.opendata.helpers import API, body, get_json, in_city

pytestmark = pytest.mark.django_db

REASONS = {
    "stop": "Родитель трижды не ответил на звонки отдела",
    "withdraw": "Письменное заявление матери об отзыве очереди",
    "benefit": "Справка поддельная печать не совпадает",
    "staff_child": "Ребёнок воспитателя старшей группы сада",
    "restore": "Ошибочное решение отменено начальником отдела",
    "far": "Решение по Риддеру другой отдел образования",
    "access": "Мать предъявила свидетельство о рождении",
}


@pytest.fixture
def decided(region: Region) -> dict[str, object]:
    """Staff acts of the city through the services, each with its basis (D1), one act of another locality
    and one decision of the region's cabinet; the document numbers, by act."""
    operator = staff_user(locality=region.city)
    general = [a for a in region.queued if a.cohort == 2024 and a.tier == "general"]
    extraordinary = next(a for a in region.queued if a.tier == "extraordinary")
    numbers = {}
    with at(dt.datetime(2026, 12, 7, 8, 0, tzinfo=ALMATY)):
        made = basis(REASONS["stop"], document_number="ПР-101")
        waitlist.application_stop_list(application=general[0], reason="manual", basis=made, by_staff=operator)
        numbers["stop"] = made.document_number
        made = basis(REASONS["withdraw"], document_number="ЗАЯВ-7")
        waitlist.application_withdraw(application=general[1], by_staff=operator, basis=made)
        numbers["withdraw"] = made.document_number
        made = basis(REASONS["benefit"], document_number="=ЛЬГ-3")  # a formula in a spreadsheet
        claim = extraordinary.benefit_claims.get()
        waitlist.benefit_claim_decide(claim=claim, confirm=False, by_staff=operator, basis=made)
        numbers["benefit"] = made.document_number
        staff_child = RegistryPersonFactory.create(birth_date=dt.date(2024, 3, 3))
        made = basis(REASONS["staff_child"], document_number="ПРИКАЗ-12")
        placement.enrollment_staff_child(
            group=region.toddlers, child_iin=staff_child.iin, by_staff=operator, basis=made
        )
        numbers["staff_child"] = made.document_number
        made = basis(REASONS["restore"], document_number="ПР-102")
        waitlist.application_restore(
            application=Application.objects.get(pk=general[0].pk), by_staff=operator, basis=made
        )
        numbers["restore"] = made.document_number
        far = register_application(locality=region.other)
        made = basis(REASONS["far"], document_number="РИД-1")
        waitlist.application_stop_list(application=far, reason="manual", basis=made, by_staff=operator)
        numbers["far"] = made.document_number
        made = basis(REASONS["access"], document_number="КАБ-5")
        access_request_decide(
            request=access_request(general[2]), approve=False, by_staff=operator, basis=made
        )
        numbers["access"] = made.document_number
    return {
        "numbers": numbers,
        "staff_child": staff_child,
        "general": general,
        "extraordinary": extraordinary,
    }


def test_the_api_lists_the_acts_newest_first(
    region: Region, decided: dict, now: object, client: Client
) -> None:
    page = get_json(client, f"{API}/oskemen/decisions")
    items = page["items"]
    # The benefit's rejection stop-lists the application under the same basis: two events, one hash.
    assert [(i["act"], i["outcome"]) for i in items] == [
        ("access_rejected", ""),
        ("restored", ""),
        ("staff_child_enrolled", ""),
        ("stop_listed", "benefit_rejected"),
        ("benefit_decided", "rejected"),
        ("withdrawn", ""),
        ("stop_listed", "manual"),
    ]
    assert page["count"] == 7
    numbers = decided["numbers"]
    general, extraordinary = decided["general"], decided["extraordinary"]
    stop = items[-1]
    event = LedgerEvent.objects.get(seq=stop["seq"])
    assert stop == {
        "seq": event.seq,
        "occurred_at": "2026-12-07T03:00:00Z",
        "kind": "application.stop_listed",
        "act": "stop_listed",
        "outcome": "manual",
        "application": general[0].pk,
        "organisation": None,
        "region_wide": False,
        "document_number": numbers["stop"],
        "basis_hash": event.payload["basis_hash"],
    }
    kept = DiscretionBasis.objects.get(sha256=stop["basis_hash"])
    assert (kept.document_number, kept.reason) == (numbers["stop"], REASONS["stop"])
    assert items[3]["basis_hash"] == items[4]["basis_hash"]
    assert items[4]["application"] == extraordinary.pk
    staff_child = items[2]
    assert (staff_child["application"], staff_child["organisation"]["id"]) == (None, region.state_org.pk)
    assert staff_child["organisation"]["name_kk"] == "«Ақбота» балабақшасы"
    assert (items[0]["region_wide"], items[0]["application"], items[0]["document_number"]) == (
        True,
        None,
        numbers["access"],
    )
    # Another locality sees its own act and the region's cabinet decision, not the city's.
    ridder = get_json(client, f"{API}/ridder/decisions")["items"]
    assert [i["document_number"] for i in ridder] == [numbers["access"], numbers["far"]]
    paged = get_json(client, f"{API}/oskemen/decisions", page=2, page_size=5)
    assert (paged["count"], len(paged["items"])) == (7, 2)


def secrets(region: Region, decided: dict) -> list[str]:
    staff_child = decided["staff_child"]
    return [
        *REASONS.values(),
        *region.personal,
        *(a.child.iin for a in Application.objects.select_related("child")),
        *(a.applicant.iin for a in Application.objects.select_related("applicant")),
        staff_child.iin,
        staff_child.last_name,
        staff_child.first_name,
    ]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_page_and_downloads_say_the_act_not_the_reason(
    region: Region, decided: dict, now: object, client: Client, language: str
) -> None:
    in_city(client)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    response = client.get("/open-data/decisions/")
    assert response.status_code == 200
    page = body(response)
    assert f'<html lang="{language}">' in page
    assert ("Өскемен" if language == "kk" else "Усть-Каменогорск") in page
    assert 'href="/open-data/decisions/" aria-current="page"' in page
    assert page.count('<li class="card decision">') == 7
    numbers = decided["numbers"]
    for act in ("stop", "withdraw", "benefit", "staff_child", "restore", "access"):
        assert numbers[act] in page, act
    assert numbers["far"] not in page
    stop = LedgerEvent.objects.filter(kind="application.stop_listed", payload__reason="manual").first()
    assert stop is not None
    digest = stop.payload["basis_hash"]
    assert f">{digest[:12]}…</code>" in page
    assert f"{stop.seq}" in page
    assert str(decided["general"][0].pk) in page
    assert ("«Ақбота» балабақшасы" if language == "kk" else "Детский сад «Ақбота»") in page
    downloads = {fmt: body(client.get(f"/open-data/oskemen/decisions.{fmt}")) for fmt in ("csv", "json")}
    assert digest in downloads["csv"]
    assert "'=ЛЬГ-3" in downloads["csv"]  # not a formula
    assert json.loads(downloads["json"])["count"] == 7
    seen = {"page": page, **downloads, "api": body(client.get(f"{API}/oskemen/decisions"))}
    leaks = [
        (where, value) for where, text in seen.items() for value in secrets(region, decided) if value in text
    ]
    assert not leaks, leaks


def test_the_page_in_english(region: Region, decided: dict, now: object, client: Client) -> None:
    in_city(client)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = body(client.get("/open-data/decisions/"))
    for label in (
        "Stop-listed by staff",
        "Withdrawn on a written request",
        "Benefit rejected",
        "Stop-listed after a rejected benefit",
        "Staff child enrolled outside the queue",
        "Restored to the queue by staff",
        "Cabinet access decision: refused",
    ):
        assert label in page, label
    assert f"Application No. {decided['general'][1].pk}" in page
    assert "The whole region (personal cabinet)" in page


def test_no_decisions_yet(region: Region, now: object, client: Client) -> None:
    assert get_json(client, f"{API}/oskemen/decisions") == {"items": [], "count": 0}
    page = body(in_city(client).get("/open-data/decisions/"))
    assert '<li class="card decision">' not in page


@pytest.mark.parametrize(("locality", "status"), [("atlantis", 404), ("a%20b", 422), ("%00", 422)])
def test_an_unknown_or_malformed_locality(db: None, client: Client, locality: str, status: int) -> None:
    response = client.get(f"{API}/{locality}/decisions")
    assert response.status_code == status
    assert response.json()["code"] == ("not_found" if status == 404 else "invalid")
    assert client.get("/open-data/atlantis/decisions.csv").status_code == 404


def test_a_page_of_decisions_is_one_query(region: Region, decided: dict, now: object) -> None:
    rows = selectors.decision_rows(locality=region.city)
    with CaptureQueriesContext(connection) as queries:
        page = rows[0:50]
    assert len(queries) == 1
    assert {row.organisation_name for row in page} == {"", "Детский сад «Ақбота»"}
