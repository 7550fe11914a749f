"""The small demo as `make run` loads it (issue #18): most seats of every kindergarten taken from the queue
through directions, files, timesheets, statements and a voucher district — and the integrity check, the
ledger and the transparency log's verifier find nothing wrong.

Seeded once for the module (the slowest part of the demo's tests), in a transaction rolled back at its end;
each test runs in a savepoint inside it, on the module's day."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q, Sum

from kezek.attendance.models import ChildMonth, Mark, TeacherAssignment, TimesheetMonth
from kezek.core import clock
from kezek.demo import history
from kezek.demo.services import SeedResult, demo_load
from kezek.demo.vouchers import VOUCHER_LOCALITY
from kezek.facilities.models import Group, Organisation
from kezek.funding.models import Rate, Statement
from kezek.integrity.diff import integrity_check
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.placement.models import Direction, Enrollment, Place, PlacementSettings
from kezek.placement.selectors import groups_with_unaccounted_seats
from kezek.records.models import ChildDocument, ChildFile, HealthNote
from kezek.translog.services import checkpoint_sign_due, log_integrate
from kezek.vouchers.models import Voucher
from kezek.waitlist.models import Application
from kezek_verify.cli import main as kezek_verify
from tests.log_key import VKEY

pytestmark = pytest.mark.django_db

FULL_DEMO = True  # tests/demo/conftest.py: the whole demo, not the queue alone
TODAY = dt.date(2026, 12, 10)  # after the 7th: last month's timesheets are locked too
NOW = dt.datetime.combine(TODAY, dt.time(9), tzinfo=clock.local_tz())


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[SeedResult]:
    with django_db_blocker.unblock(), transaction.atomic(), time_machine.travel(NOW, tick=False):
        yield demo_load(scale="small", seed=2026)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def on_the_day() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_integrity_check_the_ledger_and_the_log_verifier_find_nothing(
    demo: SeedResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert integrity_check().findings == []
    assert ledger_verify().ok
    log_integrate()
    assert checkpoint_sign_due() == 1
    call_command("log_export", str(tmp_path / "log"))
    code = kezek_verify(
        ["check", "--log", str(tmp_path / "log"), "--key", VKEY, "--state", str(tmp_path / "s")]
    )
    output = capsys.readouterr()
    assert code == 0, output.out + output.err
    assert f"checkpoint of size {LedgerEvent.objects.count()}" in output.out


def test_most_seats_of_every_kindergarten_are_taken_from_the_queue_and_the_rest_published(
    demo: SeedResult,
) -> None:
    """P1: every seat is held or published; each kindergarten mostly full, but for the voucher district's
    full one each keeps free places published."""
    assert not groups_with_unaccounted_seats().exists()
    kindergartens = Organisation.objects.annotate(
        seats=Sum("groups__capacity", distinct=True),
    ).order_by("pk")
    full = 0
    for organisation in kindergartens:
        enrolled = Enrollment.objects.filter(group__organisation=organisation, left_on=None).count()
        free = Place.objects.filter(group__organisation=organisation, status="open").count()
        assert enrolled >= 0.6 * organisation.seats, (organisation.pk, enrolled, organisation.seats)
        full += free == 0
    assert full <= 1
    enrolled = Enrollment.objects.filter(left_on=None).count()
    seats = Group.objects.aggregate(n=Sum("capacity"))["n"]
    assert 0.8 * seats <= enrolled <= 0.92 * seats
    assert demo.enrolled == Enrollment.objects.filter(staff_child=False).count()
    # From the queue, through directions taken in the history, before the attendance months.
    assert (
        Direction.objects.filter(state="enrolled").count()
        == Enrollment.objects.filter(staff_child=False).count()
    )
    assert Enrollment.objects.filter(staff_child=True).count() == 2  # P7, the feature shown
    days = history.history_days(TODAY)
    assert set(Enrollment.objects.filter(staff_child=False).values_list("enrolled_on", flat=True)) == {
        days.enrolled
    }
    assert days.enrolled < days.attendance_from
    assert Application.objects.filter(status="queued").count() > 1000  # a queue remains


def test_every_enrolled_child_has_a_file_with_a_contract(demo: SeedResult) -> None:
    files = ChildFile.objects.all()
    assert files.count() == Enrollment.objects.count()
    assert not files.filter(contract_number="").exists()
    assert ChildDocument.objects.filter(kind="medical_026").count() == HealthNote.objects.count() > 0


def test_the_demo_kindergarten_keeps_timesheets_of_every_group(demo: SeedResult) -> None:
    organisation = Organisation.objects.order_by("pk").first()
    assert organisation is not None
    groups = Group.objects.filter(organisation=organisation).annotate(
        children=Count("enrollments", filter=Q(enrollments__left_on=None))
    )
    kept = set(TeacherAssignment.objects.values_list("group_id", flat=True))
    assert kept == {group.pk for group in groups if group.children}
    assert (
        TeacherAssignment.objects.filter(
            profile__user__username__in=["demo-teacher", "demo-teacher-2"]
        ).count()
        == 2
    )
    assert Mark.objects.count() == demo.attendance["marks"] > 0
    assert not Mark.objects.filter(day__gte=TODAY).exists()  # today is left for the teacher
    states = dict(TimesheetMonth.objects.values_list("month", "state").distinct())
    assert states == {
        dt.date(2026, 10, 1): "locked",
        dt.date(2026, 11, 1): "locked",
        dt.date(2026, 12, 1): "open",
    }
    assert set(ChildMonth.objects.values_list("state", flat=True)) >= {"approved", "resolved", "unconfirmed"}


def test_rates_everywhere_and_frozen_statements_of_the_locked_months(demo: SeedResult) -> None:
    assert Rate.objects.values("locality").distinct().count() == 3
    months = set(Statement.objects.values_list("month", flat=True))
    assert months == {dt.date(2026, 10, 1), dt.date(2026, 11, 1)}
    assert demo.funding[1] == Statement.objects.count() > 0


def test_the_voucher_district_has_vouchers_in_every_state_a_family_meets(demo: SeedResult) -> None:
    settings = PlacementSettings.objects.get(locality__code=VOUCHER_LOCALITY)
    assert settings.distribution_policy == "voucher"
    states = set(Voucher.objects.values_list("state", flat=True))
    assert states >= {"issued", "confirmed", "contracted", "waiting", "lapsed"}
    assert demo.vouchers == {state: Voucher.objects.filter(state=state).count() for state in states}
    # Issued vouchers still run today; the recent contract's direction awaits its enrolment.
    assert not Voucher.objects.filter(state="issued", confirm_until__lte=clock.now()).exists()
    assert Direction.objects.filter(state="awaiting_enrollment", voucher__isnull=False).count() == 1
