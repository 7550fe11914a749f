"""The end-of-campaign sweep on PostgreSQL, under real failure and real concurrency (C4).

a) A real `campaign_sweep` process is SIGKILLed half-way (some batches committed, one maybe in flight);
   the next run finishes the job doing nothing twice.
b) An applicant submits the questionnaire just before the end while the sweep starts at it, in each
   interleaving forced by hooks: the applicant ends queued and extended, the others stop-listed once.
c) `tick` sweeps several localities' campaigns at once, on several connections: each unconfirmed
   application is stop-listed once, the ledger chain stays whole.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection

from kezek.confirmation import services
from kezek.confirmation.models import Campaign
from kezek.core import clock
from kezek.facilities.models import Locality, Organisation
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.notifications.models import OutboxMessage
from kezek.waitlist import selectors as waitlist_selectors
from kezek.waitlist.models import Applicant, Application, StopListEntry
from tests.concurrency import run_parallel
from tests.factories import LocalityFactory, OrganisationFactory

from .conftest import answers_for, child_application

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("ledger_agrees"),
]

ROOT = Path(__file__).resolve().parents[2]
TIERS = ["general", "general", "first_priority", "general", "extraordinary"]

# The sweep process of test (a): batches of 5, each slowed down after its writes (still inside its
# transaction), so the kill lands half-way — most likely in the middle of a batch.
SWEEP_PROCESS = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from kezek.waitlist import services as waitlist_services
written = waitlist_services.notifications_enqueue_many
def slow(**kwargs):
    count = written(**kwargs)
    time.sleep(0.15)
    return count
waitlist_services.notifications_enqueue_many = slow
from kezek.confirmation.models import Campaign
from kezek.confirmation.services import campaign_sweep
campaign_sweep(campaign=Campaign.objects.get(pk=int(sys.argv[1])), batch_size=5)
print("finished", flush=True)
"""


def database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


def cleanup_entries(application: Application) -> int:
    return StopListEntry.objects.filter(application=application, reason="cleanup").count()


def stop_listed_events(application: Application) -> int:
    return LedgerEvent.objects.filter(
        kind="application.stop_listed", subject_id=str(application.pk), payload__reason="cleanup"
    ).count()


def stop_listed_messages(application: Application, campaign: Campaign) -> int:
    return OutboxMessage.objects.filter(
        template="application_stop_listed",
        idempotency_key=f"application:{application.pk}:cleanup:{campaign.pk}",
    ).count()


def assert_positions_consistent(locality: Locality) -> None:
    """Fenwick positions of every queued application equal the plain merge of each cohort (Q3, Q4)."""
    cohorts = set(
        Application.objects.filter(locality=locality, status="queued").values_list("cohort", flat=True)
    )
    for cohort in cohorts:
        reference = waitlist_selectors.cohort_order_reference(locality_id=locality.pk, cohort=cohort)
        queued = Application.objects.filter(locality=locality, cohort=cohort, status="queued")
        found = {}
        for application in queued:
            position = waitlist_selectors.queue_position(application=application)
            assert position is not None
            assert position.cohort_size == len(reference)
            found[application.pk] = position.position
        assert found == {number: place for place, number in enumerate(reference, start=1)}


def past_campaign(
    locality: Locality, operator: User, born_years: list[int], *, siblings_every: int = 4
) -> tuple[Campaign, list[Application]]:
    """Applications registered 70 days ago, a campaign launched 40 days ago (ended ~10 days ago by the
    real clock, so another process sees it over) and its launch messages. Every `siblings_every`-th
    application is a sibling of the one before (same applicant)."""
    today = dt.datetime.now(tz=clock.local_tz()).replace(microsecond=0)
    applications: list[Application] = []
    with time_machine.travel(today - dt.timedelta(days=70), tick=False):
        for i, year in enumerate(born_years):
            sibling_of = applications[-1] if i % siblings_every == siblings_every - 1 else None
            born = dt.date(year, 1 + i % 12, 1 + i % 28)
            applications.append(
                child_application(locality, born=born, tier=TIERS[i % len(TIERS)], sibling_of=sibling_of)
            )
    with time_machine.travel(today - dt.timedelta(days=40), tick=False):
        campaign = services.campaign_launch(locality=locality, by_staff=operator)
        services.campaign_notify(campaign=campaign)
    assert campaign.ends_at < today
    return campaign, applications


def answer_some(
    campaign: Campaign, applications: list[Application], kindergartens: list[Organisation], *, every: int
) -> tuple[list[Application], list[Application]]:
    """Every `every`-th applicant (by id) answers three days into the campaign: (answered, unconfirmed)."""
    answering = set(sorted({a.applicant_id for a in applications})[::every])
    with time_machine.travel(campaign.starts_at + dt.timedelta(days=3), tick=False):
        for applicant_id in sorted(answering):
            services.questionnaire_submit(
                campaign=campaign,
                applicant=Applicant.objects.get(pk=applicant_id),
                answers=answers_for(kindergartens),
            )
    answered = [a for a in applications if a.applicant_id in answering]
    return answered, [a for a in applications if a.applicant_id not in answering]


# ------------------------------------------------------------------------------ a) killed half-way


def test_a_sweep_killed_half_way_is_finished_by_the_next_run_without_doing_anything_twice(
    locality: Locality, kindergartens: list[Organisation], operator: User
) -> None:
    year = (dt.datetime.now(tz=clock.local_tz()) - dt.timedelta(days=40)).year
    born = [year - 2 - i % 4 for i in range(60)]
    campaign, applications = past_campaign(locality, operator, born)
    answered, unconfirmed = answer_some(campaign, applications, kindergartens, every=3)
    assert len(unconfirmed) > 20
    extended = {a.pk: fresh(a).valid_until for a in answered}

    cleanup = StopListEntry.objects.filter(reason="cleanup", application__locality=locality)
    process = subprocess.Popen(  # noqa: S603  (our own script, this interpreter)
        [sys.executable, "-c", SWEEP_PROCESS, str(campaign.pk)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(), "DEBUG": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while (done := cleanup.count()) == 0:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the sweep process stop-listed nothing"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    time.sleep(0.5)  # the server ends the killed backend's session and rolls its batch back
    killed_at = cleanup.count()
    assert 0 < killed_at < len(unconfirmed), (done, killed_at)  # whole batches: the one in flight undone
    campaign.refresh_from_db()
    assert campaign.swept_at is None
    assert campaign.stop_listed_count == killed_at

    assert services.campaign_sweep(campaign=campaign) == len(unconfirmed) - killed_at
    assert services.campaign_sweep(campaign=campaign) == 0
    campaign.refresh_from_db()
    assert campaign.swept_at is not None
    assert campaign.stop_listed_count == len(unconfirmed)
    for application in unconfirmed:
        assert fresh(application).status == "stop_listed"
        assert cleanup_entries(application) == 1
        assert stop_listed_events(application) == 1
        assert stop_listed_messages(application, campaign) == 1
    for application in answered:
        assert fresh(application).status == "queued"
        assert fresh(application).valid_until == extended[application.pk]
        assert cleanup_entries(application) == stop_listed_events(application) == 0
    assert LedgerEvent.objects.filter(kind="campaign.closed", subject_id=str(campaign.pk)).count() == 1
    assert ledger_verify().ok
    assert_positions_consistent(locality)


# ---------------------------------------------------------------- b) an answer racing the sweep


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Callable[..., Any]], None]:
    """Wrap a function of `kezek.confirmation.services` (as it looks it up) with `wrapper(original, ...)`."""

    def install(name: str, wrapper: Callable[..., Any]) -> None:
        original = getattr(services, name) if hasattr(services, name) else getattr(services.selectors, name)
        target = services if hasattr(services, name) else services.selectors
        monkeypatch.setattr(target, name, lambda *args, **kwargs: wrapper(original, *args, **kwargs))

    return install


def wait_for(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def frozen_until() -> Iterator[Callable[[dt.datetime], None]]:
    """Travel (ticking, for every thread of this process) to a moment shortly before `moment`."""
    travellers: list[Any] = []

    def travel(moment: dt.datetime) -> None:
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        travellers.append(traveller)

    yield travel
    for traveller in reversed(travellers):
        traveller.stop()


ORDERS = [
    "answer_then_sweep",  # the answer is committed before the sweep starts
    "sweep_between_check_and_write",  # checked before the end; the sweep stop-lists; then the write
    "sweep_while_answer_uncommitted",  # the Response row is written, not committed; the sweep runs
    "answer_holds_the_cohort_lock",  # the answer holds the cohort locks while the sweep waits on them
]


@pytest.mark.parametrize("order", ORDERS)
def test_b_an_answer_racing_the_sweep_keeps_the_applications(
    order: str,
    locality: Locality,
    kindergartens: list[Organisation],
    operator: User,
    hooks: Callable[[str, Callable[..., Any]], None],
    frozen_until: Callable[[dt.datetime], None],
) -> None:
    year = (dt.datetime.now(tz=clock.local_tz()) - dt.timedelta(days=40)).year
    born = [year - 2 - i % 3 for i in range(10)]
    campaign, applications = past_campaign(locality, operator, born, siblings_every=2)
    racer = applications[0].applicant
    mine = [a for a in applications if a.applicant_id == racer.pk]
    others = [a for a in applications if a.applicant_id != racer.pk]
    assert len(mine) == 2
    valid_before = {a.pk: fresh(a).valid_until for a in mine}
    answered = threading.Event()  # the answer has reached the point the order wants
    racer_listed = Application.objects.filter(applicant=racer, status="stop_listed")

    def mine_listed() -> bool:
        return racer_listed.count() == len(mine)

    if order == "sweep_between_check_and_write":

        def asked(original: Callable[..., bool], **kwargs: Any) -> bool:
            result = original(**kwargs)
            answered.set()
            wait_for(mine_listed)  # the sweep stop-lists the racer's applications first
            return result

        hooks("applicant_asked", asked)
    elif order == "sweep_while_answer_uncommitted":

        def extend(original: Callable[..., list[Application]], **kwargs: Any) -> list[Application]:
            answered.set()
            wait_for(mine_listed)  # committed by the sweep while our Response is not
            return original(**kwargs)

        hooks("applicant_applications_extend", extend)
    elif order == "answer_holds_the_cohort_lock":

        def extend_slowly(original: Callable[..., list[Application]], **kwargs: Any) -> list[Application]:
            result = original(**kwargs)  # the cohorts are locked until our commit
            answered.set()
            # The sweep starts at the end and waits on them.
            wait_for(lambda: clock.now() >= campaign.ends_at + dt.timedelta(seconds=0.5))
            return result

        hooks("applicant_applications_extend", extend_slowly)

    def answer() -> None:
        services.questionnaire_submit(campaign=campaign, applicant=racer, answers=answers_for(kindergartens))
        answered.set()

    def sweep() -> None:
        assert answered.wait(20)
        wait_for(lambda: clock.now() >= campaign.ends_at)
        services.campaign_sweep(campaign=campaign, batch_size=2)

    frozen_until(campaign.ends_at - dt.timedelta(seconds=1))
    outcomes = run_parallel(2, lambda n: (answer, sweep)[n]())

    assert outcomes == Counter({"ok": 2})  # no deadlock, no refusal
    campaign.refresh_from_db()
    assert campaign.swept_at is not None
    assert campaign.responses.filter(applicant=racer).count() == 1
    for application in mine:
        now = fresh(application)
        assert now.status == "queued"
        assert now.valid_until == valid_before[application.pk].replace(
            year=valid_before[application.pk].year + 1
        )
        assert not StopListEntry.objects.filter(application=application, restored_at__isnull=True).exists()
        listed = cleanup_entries(application)
        assert listed == stop_listed_events(application) == stop_listed_messages(application, campaign)
        restored = LedgerEvent.objects.filter(kind="application.restored", subject_id=str(application.pk))
        assert restored.count() == listed
        if order in ("sweep_between_check_and_write", "sweep_while_answer_uncommitted"):
            assert listed == 1  # stop-listed by the sweep, taken off by the answer
        else:
            assert listed == 0
    for application in others:
        assert fresh(application).status == "stop_listed"
        assert cleanup_entries(application) == stop_listed_events(application) == 1
        assert stop_listed_messages(application, campaign) == 1
    assert campaign.stop_listed_count == len(others) + (
        2 if order in ("sweep_between_check_and_write", "sweep_while_answer_uncommitted") else 0
    )
    assert ledger_verify().ok
    assert_positions_consistent(locality)


# ------------------------------------------------------------- c) several localities at once


def test_c_tick_sweeps_several_localities_at_once_each_application_once(
    operator: User, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.CONFIRMATION_SWEEP_WORKERS = 3
    monkeypatch.setattr(services, "SWEEP_BATCH", 4)  # many small batches, so the threads' batches interleave
    threads: set[str] = set()
    sweep = services.campaign_sweep

    def traced(**kwargs: Any) -> int:
        threads.add(threading.current_thread().name)
        return sweep(**kwargs)

    monkeypatch.setattr(services, "campaign_sweep", traced)
    year = (dt.datetime.now(tz=clock.local_tz()) - dt.timedelta(days=40)).year
    swept: dict[int, tuple[Locality, Campaign, list[Application], list[Application]]] = {}
    for _ in range(4):
        locality = LocalityFactory.create()
        kindergartens = OrganisationFactory.create_batch(2, locality=locality)
        campaign, applications = past_campaign(locality, operator, [year - 2 - i % 3 for i in range(18)])
        answered, unconfirmed = answer_some(campaign, applications, kindergartens, every=4)
        swept[campaign.pk] = (locality, campaign, unconfirmed, answered)

    assert services.campaigns_due() == sum(len(unconfirmed) for _l, _c, unconfirmed, _a in swept.values())

    assert len(threads) > 1, threads
    assert all(name.startswith("confirmation-sweep") for name in threads), threads
    for locality, campaign, unconfirmed, answered in swept.values():
        campaign.refresh_from_db()
        assert campaign.swept_at is not None
        assert campaign.stop_listed_count == len(unconfirmed)
        for application in unconfirmed:
            assert fresh(application).status == "stop_listed"
            assert cleanup_entries(application) == stop_listed_events(application) == 1
            assert stop_listed_messages(application, campaign) == 1
        for application in answered:
            assert fresh(application).status == "queued"
            assert cleanup_entries(application) == 0
        assert_positions_consistent(locality)
    assert services.campaigns_due() == 0
    assert ledger_verify().ok
