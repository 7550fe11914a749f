"""Place exchange over HTTP (E70–E78): the parent's API and page, the heads' API and page and their scope,
the public protocol (no child data); bad input is a translated 4xx and writes nothing."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from kezek.core.tick import tick_run
from kezek.exchange.models import Exchange, ExchangeOffer
from kezek.ledger.models import LedgerEvent
from kezek.staff.models import Role
from kezek.waitlist.models import Application
from tests.cabinet.test_api import post, sign_in
from tests.factories import staff_login, staff_user

from .conftest import ROUND_DAY, Kindergarten

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_agrees")]


@pytest.fixture(autouse=True)
def quick_resend(settings) -> None:
    settings.OTP_RESEND_INTERVAL_SECONDS = 0


def parent_client(k: Kindergarten) -> Client:
    client = Client()
    assert sign_in(client, Application.objects.filter(applicant=k.parent).first()) == 200  # type: ignore[arg-type]
    return client


def head_client(k: Kindergarten) -> Client:
    return staff_login(Client(), k.head)


def staff_post(client: Client, url: str) -> object:
    return client.post(f"/api/v1{url}", {}, content_type="application/json", headers={"X-CSRFToken": "x"})


def test_parent_offers_over_the_api_and_bad_offers_write_nothing(three: list[Kindergarten]) -> None:
    a, b, c = three
    with time_machine.travel(ROUND_DAY, tick=False):
        client = parent_client(a)
        (child,) = client.get("/api/v1/cabinet/exchange/children").json()
        assert child == {
            "enrollment": a.enrollment.pk, "group": a.group.pk, "organisation": a.organisation.pk,
            "age_from": 2, "age_to": 3, "language": "kk",
        }  # fmt: skip
        before = (ExchangeOffer.objects.count(), LedgerEvent.objects.count())
        own = post(
            client,
            "/cabinet/exchange/offers",
            {"enrollment": a.enrollment.pk, "kindergartens": [a.organisation.pk]},
        )
        assert own.status_code == 422
        assert own.json()["code"] == "own_kindergarten"
        other = post(
            client,
            "/cabinet/exchange/offers",
            {"enrollment": b.enrollment.pk, "kindergartens": [c.organisation.pk]},
        )
        assert other.status_code == 404
        ages = post(
            client,
            "/cabinet/exchange/offers",
            {"enrollment": a.enrollment.pk, "kindergartens": [b.organisation.pk], "age_from": 5, "age_to": 6},
        )
        assert ages.status_code == 422
        assert ages.json()["code"] == "age_mismatch"
        empty = post(client, "/cabinet/exchange/offers", {"enrollment": a.enrollment.pk, "kindergartens": []})
        assert empty.status_code == 422
        assert (ExchangeOffer.objects.count(), LedgerEvent.objects.count()) == before
        made = post(
            client,
            "/cabinet/exchange/offers",
            {"enrollment": a.enrollment.pk, "kindergartens": [c.organisation.pk, b.organisation.pk]},
        )
        assert made.status_code == 201, made.content
        assert made.json()["kindergartens"] == [c.organisation.pk, b.organisation.pk]
        assert [o["id"] for o in client.get("/api/v1/cabinet/exchange/offers").json()] == [made.json()["id"]]
        assert parent_client(b).get("/api/v1/cabinet/exchange/offers").json() == []  # only my own
        withdrawn = post(client, f"/cabinet/exchange/offers/{made.json()['id']}/withdraw", {})
        assert withdrawn.status_code == 200
        assert withdrawn.json()["status"] == "withdrawn"


def test_heads_decide_only_on_their_own_kindergarten(three: list[Kindergarten]) -> None:
    """E74: a pair A ⇄ B; C's head, a teacher of A and a late head are refused (nothing written); A's and
    B's heads accept; the public protocol shows the kindergartens and groups, never the child."""
    a, b, c = three
    with time_machine.travel(ROUND_DAY - dt.timedelta(days=3), tick=False):
        for mine, theirs in ((a, b), (b, a)):
            response = post(
                parent_client(mine),
                "/cabinet/exchange/offers",
                {"enrollment": mine.enrollment.pk, "kindergartens": [theirs.organisation.pk]},
            )
            assert response.status_code == 201
    with time_machine.travel(ROUND_DAY, tick=False):
        tick_run()
        exchange = Exchange.objects.get()
        before = LedgerEvent.objects.count()
        other_head = head_client(c)
        assert other_head.get("/api/v1/staff/exchanges").json() == []
        refused = other_head.post(f"/api/v1/staff/exchanges/{exchange.pk}/accept", HTTP_ACCEPT_LANGUAGE="ru")
        assert refused.status_code == 404  # not its exchange: like a missing one (E74)
        teacher = staff_login(Client(), staff_user(role=Role.TEACHER, organisation=a.organisation))
        assert teacher.post(f"/api/v1/staff/exchanges/{exchange.pk}/accept").status_code == 403
        assert LedgerEvent.objects.count() == before
        listed = head_client(a).get("/api/v1/staff/exchanges").json()
        assert [e["id"] for e in listed] == [exchange.pk]
        assert {s["decision"] for s in listed[0]["steps"] if s["to_organisation"] == a.organisation.pk} == {
            "pending"
        }
        for k in (a, b):
            response = head_client(k).post(f"/api/v1/staff/exchanges/{exchange.pk}/accept")
            assert response.status_code == 200, response.content
        assert response.json()["status"] == "completed"
        protocol = Client().get("/api/v1/exchange/protocol").json()
        assert [p["id"] for p in protocol] == [exchange.pk]
        assert all(s["decision"] is None for s in protocol[0]["steps"])
        page = Client().get("/exchange/")
        assert page.status_code == 200
        child = a.enrollment.child
        assert child.first_name not in page.content.decode()
        assert child.iin not in page.content.decode()
        assert a.group.name in page.content.decode()
    with time_machine.travel(ROUND_DAY + dt.timedelta(days=10), tick=False):
        late = head_client(a).post(f"/api/v1/staff/exchanges/{exchange.pk}/accept")
        assert late.status_code == 409


def test_parent_and_head_pages(three: list[Kindergarten]) -> None:
    """The cabinet page offers a seat (a bad choice: 422 in the page's language), the head's page decides."""
    a, b, _c = three
    with time_machine.travel(ROUND_DAY - dt.timedelta(days=3), tick=False):
        client = parent_client(a)
        page = client.get("/exchange/my/")
        assert page.status_code == 200
        assert a.enrollment.child.first_name in page.content.decode()
        bad = client.post(
            "/exchange/my/",
            {"enrollment": a.enrollment.pk, "language": "kk", "choice_1": a.organisation.pk},
            HTTP_ACCEPT_LANGUAGE="ru",
        )
        assert bad.status_code == 422
        assert ExchangeOffer.objects.count() == 0
        done = client.post(
            "/exchange/my/", {"enrollment": a.enrollment.pk, "language": "kk", "choice_1": b.organisation.pk}
        )
        assert done.status_code == 302
        post(
            parent_client(b),
            "/cabinet/exchange/offers",
            {"enrollment": b.enrollment.pk, "kindergartens": [a.organisation.pk]},
        )
    with time_machine.travel(ROUND_DAY, tick=False):
        tick_run()
        exchange = Exchange.objects.get()
        head = head_client(b)
        assert a.enrollment.child.first_name in head.get("/exchange/staff/").content.decode()
        assert (
            head.post("/exchange/staff/", {"exchange": exchange.pk, "decision": "decline"}).status_code == 302
        )
        exchange.refresh_from_db()
        assert exchange.dropped == "declined"
        assert "dropped" in client.get("/exchange/my/").content.decode()
