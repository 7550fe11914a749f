"""The back-office ledger browser: events of the user's scope, filters (application, organisation, kind,
dates), shortened hashes, pagination; verification runs recorded by the command and by the background
task an administrator starts; a tampered event shows as a failed run; scope (404) and roles (403)."""

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from kezek.ledger.models import LedgerEvent, LedgerVerification
from kezek.staff.models import Role
from kezek.staff.views import ledger as ledger_view
from tests.factories import LocalityFactory, staff_login, staff_user
from tests.ledger.conftest import tamper, tampering
from tests.staff.conftest import staff_client
from tests.staff.test_reports import NOW, World, build_world, operator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}
}


@pytest.fixture
def world() -> World:
    return build_world()


def administrator() -> Client:
    return staff_client(Role.ADMINISTRATOR)


def seqs(response: Any) -> list[int]:
    return [row["event"].seq for row in response.context["rows"]]


def home_events(world: World) -> list[LedgerEvent]:
    return list(LedgerEvent.objects.filter(locality_code=world.home.code).order_by("-seq"))


@time_machine.travel(NOW, tick=False)
def test_events_of_the_scope_newest_first_with_short_hashes(world: World) -> None:
    response = operator(world).get("/staff/ledger/")
    assert response.status_code == 200
    expected = home_events(world)
    assert seqs(response) == [event.seq for event in expected]
    assert LedgerEvent.objects.exclude(locality_code=world.home.code).exists()  # and none of those shown
    html = response.content.decode()
    newest = expected[0]
    assert f"{newest.hash[:12]}…" in html
    assert f"{newest.prev_hash[:12]}…" in html
    assert f">{newest.hash}<" not in html  # the full hash only in the title attribute
    assert "style=" not in html
    assert "The chain has not been verified yet." in html
    assert "Verify the chain now" not in html  # administrators only


@time_machine.travel(NOW, tick=False)
def test_filter_by_application_finds_its_own_direction_and_enrolment_events(world: World) -> None:
    response = operator(world).get("/staff/ledger/", {"application": world.enrolled.pk})
    assert response.status_code == 200
    kinds = [row["event"].kind for row in response.context["rows"]]
    assert kinds[-1] == "application.registered"
    assert {"direction.issued", "direction.enrolled", "enrollment.departed"} <= set(kinds)
    assert all(
        row["event"].subject_id == str(world.enrolled.pk)
        or row["event"].payload.get("application") == world.enrolled.pk
        or row["event"].subject_type in {"direction", "enrollment"}
        for row in response.context["rows"]
    )
    other = operator(world).get("/staff/ledger/", {"application": world.referred.pk})
    assert "enrollment.departed" not in [row["event"].kind for row in other.context["rows"]]


@time_machine.travel(NOW, tick=False)
def test_filter_by_organisation_and_kind(world: World) -> None:
    client = operator(world)
    response = client.get("/staff/ledger/", {"organisation": world.organisation.pk})
    kinds = {row["event"].kind for row in response.context["rows"]}
    assert {"places.published", "direction.issued", "direction.enrolled", "enrollment.departed"} <= kinds
    assert "application.registered" not in kinds  # the queue is the locality's, not the organisation's
    enrolled = client.get("/staff/ledger/", {"kind": "direction.enrolled"})
    assert [row["event"].kind for row in enrolled.context["rows"]] == ["direction.enrolled"]
    assert enrolled.context["rows"][0]["event"].locality_code == world.home.code


@time_machine.travel(NOW, tick=False)
def test_filter_by_dates(world: World) -> None:
    client = operator(world)
    monday = client.get("/staff/ledger/", {"date_from": "2026-12-07", "date_to": "2026-12-07"})
    assert {row["event"].occurred_at.date() for row in monday.context["rows"]} == {dt.date(2026, 12, 7)}
    assert "direction.enrolled" not in {row["event"].kind for row in monday.context["rows"]}
    tuesday = client.get("/staff/ledger/", {"date_from": "2026-12-08"})
    assert "direction.enrolled" in {row["event"].kind for row in tuesday.context["rows"]}
    assert client.get("/staff/ledger/", {"date_from": "2027-01-01"}).context["page"].paginator.count == 0
    wrong = client.get("/staff/ledger/", {"date_from": "2026-12-08", "date_to": "2026-12-07"})
    assert wrong.status_code == 422
    assert "The end date is before the start date." in wrong.content.decode()


@time_machine.travel(NOW, tick=False)
def test_pagination(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_view, "PAGE_SIZE", 5)
    client = operator(world)
    expected = [event.seq for event in home_events(world)]
    first = client.get("/staff/ledger/", {"kind": ""})
    second = client.get("/staff/ledger/", {"kind": "", "page": "2"})
    assert seqs(first) == expected[:5]
    assert seqs(second) == expected[5:10]
    assert 'href="?kind=&amp;page=2"' in first.content.decode()


@time_machine.travel(NOW, tick=False)
def test_another_localitys_application_or_organisation_is_404(world: World) -> None:
    client = operator(world)
    assert client.get("/staff/ledger/", {"application": world.other_enrolled.pk}).status_code == 404
    assert client.get("/staff/ledger/", {"application": 999_999}).status_code == 404  # looks the same
    assert client.get("/staff/ledger/", {"organisation": world.other_organisation.pk}).status_code == 404
    other_kind = client.get("/staff/ledger/", {"kind": "direction.enrolled"})
    assert all(row["event"].locality_code == world.home.code for row in other_kind.context["rows"])


@time_machine.travel(NOW, tick=False)
def test_administrator_sees_every_locality_and_events_of_none(world: World) -> None:
    response = administrator().get("/staff/ledger/")
    assert response.context["page"].paginator.count == LedgerEvent.objects.count()
    found = administrator().get("/staff/ledger/", {"application": world.other_enrolled.pk})
    assert found.status_code == 200
    assert found.context["rows"]


@time_machine.travel(NOW, tick=False)
def test_the_command_records_its_run_and_the_page_shows_it(world: World) -> None:
    call_command("ledger_verify", stdout=StringIO())
    run = LedgerVerification.objects.get()
    assert run.ok
    assert run.checked == LedgerEvent.objects.count()
    assert run.first_broken_seq is None
    assert run.trigger == LedgerVerification.Trigger.COMMAND
    assert run.ran_at == NOW
    html = operator(world).get("/staff/ledger/").content.decode()
    assert "The chain is intact" in html
    assert f"<dd>{run.checked}</dd>" in html
    assert "management command" in html


@time_machine.travel(NOW, tick=False)
def test_administrator_starts_the_background_verification(
    world: World, settings: Any, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    settings.TASKS = IMMEDIATE_TASKS
    client = staff_login(Client(), user := staff_user(role=Role.ADMINISTRATOR))
    assert "Verify the chain now" in client.get("/staff/ledger/").content.decode()
    response = client.post("/staff/ledger/verify/", follow=True)
    assert response.redirect_chain == [("/staff/ledger/", 302)]
    run = LedgerVerification.objects.get()
    assert (run.ok, run.trigger, run.requested_by_id) == (True, LedgerVerification.Trigger.TASK, user.pk)
    assert "The chain is intact" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_with_the_database_backend_the_verification_is_queued(world: World, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    response = administrator().post("/staff/ledger/verify/")
    assert response.status_code == 302
    task = DBTaskResult.objects.get()
    assert task.task_path == "kezek.ledger.tasks.ledger_verify_run"
    assert not LedgerVerification.objects.exists()  # the worker runs it


@pytest.mark.database_owner  # tampers
@time_machine.travel(NOW, tick=False)
def test_a_tampered_event_shows_as_a_failed_run(world: World, settings: Any) -> None:
    settings.TASKS = IMMEDIATE_TASKS
    victim = home_events(world)[-1]
    with tampering():
        tamper(victim.seq, payload={**victim.payload, "tier": "extraordinary"})
    administrator().post("/staff/ledger/verify/")
    run = LedgerVerification.objects.get()
    assert not run.ok
    assert run.first_broken_seq == victim.seq
    assert run.checked == victim.seq - 1
    html = operator(world).get("/staff/ledger/").content.decode()
    assert "The chain is BROKEN" in html
    assert f"<dd>#{victim.seq}</dd>" in html
    assert "hash does not match the event&#x27;s content" in html


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("role", [Role.OPERATOR, Role.DEPARTMENT_HEAD, Role.AUDITOR])
def test_only_an_administrator_may_start_a_verification(world: World, role: str, settings: Any) -> None:
    settings.TASKS = IMMEDIATE_TASKS
    client = staff_client(role, locality=world.home)
    assert client.get("/staff/ledger/").status_code == 200
    assert client.post("/staff/ledger/verify/").status_code == 403
    assert not LedgerVerification.objects.exists()


@pytest.mark.parametrize("role", [Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF])
def test_kindergarten_roles_are_refused(world: World, role: str) -> None:
    client = staff_client(role, organisation=world.organisation)
    assert client.get("/staff/ledger/").status_code == 403
    assert client.post("/staff/ledger/verify/").status_code == 403


def test_verification_needs_a_post_and_a_signed_in_user() -> None:
    assert Client().get("/staff/ledger/").status_code == 302
    assert Client().post("/staff/ledger/verify/").status_code == 302
    assert administrator().get("/staff/ledger/verify/").status_code == 405


def test_an_empty_scope_shows_no_events() -> None:
    client = staff_client(Role.OPERATOR, locality=LocalityFactory.create())
    response = client.get("/staff/ledger/")
    assert response.status_code == 200
    assert "No events match the filters." in response.content.decode()
