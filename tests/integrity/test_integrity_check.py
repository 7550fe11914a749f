"""`integrity_check`: clean on data written by the services; each tampering with the live tables is
reported as a finding (issue 16, item 1)."""

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from kezek.core.tick import tick_run
from kezek.facilities.models import Group, Locality
from kezek.integrity.diff import integrity_check
from kezek.integrity.models import IntegrityRun
from kezek.integrity.selectors import integrity_run_latest
from kezek.placement import services as placement
from kezek.placement.models import Direction, Place, Publication
from kezek.registry.models import RegistryPerson
from kezek.staff.models import Role
from kezek.waitlist import services as waitlist
from kezek.waitlist.models import Application, Child, CohortCounter, QueueSettings, RankNode, StopListEntry
from tests.factories import LocalityFactory, OrganisationFactory, RegistryPersonFactory
from tests.factories import register_application as register
from tests.factories.discretion import basis
from tests.factories.staff import staff_user

from .tampering import tamper, triggers_off

# Tampering as an administrator would (triggers disabled): as the database owner where CI splits the roles.
pytestmark = [pytest.mark.django_db, pytest.mark.database_owner]
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)
_days = itertools.count()


def toddler() -> RegistryPerson:
    return RegistryPersonFactory.create(birth_date=dt.date(2024, 1, 1) + dt.timedelta(days=next(_days) % 300))


@dataclass(frozen=True)
class World:
    locality: Locality
    group: Group


@pytest.fixture
def world() -> World:
    """A small locality lived through the services: registrations of every tier, publications,
    directions taken, extended, declined and enrolled, a departure, a staff child, stop-listings,
    withdrawal, restoration, benefit decisions, settings and capacity changes."""
    with time_machine.travel(MONDAY, tick=False):
        locality = LocalityFactory.create()
        organisation = OrganisationFactory.create(locality=locality)
        operator = staff_user(locality=locality)
        head = staff_user(role=Role.KINDERGARTEN_HEAD, organisation=organisation)
        group = placement.group_open(
            organisation=organisation, by_staff=operator, capacity=3, academic_year=2026,
            name="Күншуақ", language="kk", kind="general", age_from=2, age_to=3,
        )  # fmt: skip
        apps = [register(locality=locality, child=toddler()) for _ in range(6)]
        apps.append(register(locality=locality, child=toddler(), tier="first_priority"))
        pending = register(locality=locality, child=toddler(), tier="extraordinary")
        rejected = register(locality=locality, child=toddler(), tier="extraordinary")
        waitlist.queue_settings_update(locality=locality, priority_ratio=4, by_staff=operator)
        placement.placement_settings_update(locality=locality, by_staff=operator, direction_max_days=25)
        waitlist.benefit_claim_decide(
            claim=pending.benefit_claims.get(), confirm=True, by_staff=operator, basis=basis()
        )
        waitlist.benefit_claim_decide(
            claim=rejected.benefit_claims.get(), confirm=False, by_staff=operator,
            basis=basis("Справка поддельная, печать не совпадает"),
        )  # fmt: skip
        placement.group_capacity_change(group=group, capacity=5, by_staff=operator)  # 2 seats, with holders
        publication = Publication.objects.filter(group=group).latest("pk")
        holders = [
            Application.objects.get(pk=h) for h in publication.holders.values_list("application", flat=True)
        ]
        first = placement.direction_take(application=holders[0], group=group, applicant=holders[0].applicant)
        placement.direction_extend(direction=first, applicant=holders[0].applicant)
        second = placement.direction_take(application=holders[1], group=group, applicant=holders[1].applicant)
        placement.direction_decline(direction=second, applicant=holders[1].applicant)
        enrollment = placement.direction_enroll(direction=first, by_staff=head)
        placement.enrollment_depart(enrollment=enrollment, by_staff=head, reason="переезд")
        placement.group_capacity_change(group=group, capacity=4, by_staff=operator)
        queued = Application.objects.filter(locality=locality, status="queued").order_by("pk")
        waitlist.application_stop_list(
            application=queued[0], reason="manual", basis=basis("Не отвечает на звонки"), by_staff=operator
        )
        waitlist.application_withdraw(application=queued[1], by_applicant=queued[1].applicant)
        stopped = waitlist.application_stop_list(application=queued[2], reason="cleanup").application
        waitlist.application_restore(application=stopped, by_applicant=stopped.applicant)
        waitlist.application_extend(application=queued[3])
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):  # the seats' window is over (D4)
        staff_child = RegistryPersonFactory.create(birth_date=dt.date(2024, 3, 3))
        placement.enrollment_staff_child(
            group=group, child_iin=staff_child.iin, by_staff=head, basis=basis("Ребёнок воспитателя группы")
        )
    with time_machine.travel(MONDAY + dt.timedelta(days=40), tick=False):
        tick_run()  # directions expire, automatic stop-listings come back, places are republished
    return World(locality=locality, group=group)


def kinds() -> set[str]:
    return {finding.kind for finding in integrity_check().findings}


def test_clean_on_data_written_by_the_services(world: World) -> None:
    report = integrity_check()
    assert report.findings == []
    assert report.events > 30


def test_the_command_exits_zero_when_clean_and_records_the_run(world: World) -> None:
    out = StringIO()
    call_command("integrity_check", stdout=out)
    assert "integrity OK" in out.getvalue()
    latest = integrity_run_latest()
    assert latest is not None
    assert (latest.verdict, latest.events_checked > 30) == ("ok", True)


def _application(world: World, status: str = "queued") -> Application:
    app = Application.objects.filter(locality=world.locality, status=status).order_by("pk").first()
    assert app is not None
    return app


def test_a_childs_birth_date_edited(world: World) -> None:
    app = _application(world)
    tamper(Child, app.child_id, birth_date=app.child.birth_date - dt.timedelta(days=200))
    out = StringIO()
    with pytest.raises(CommandError, match="findings"):
        call_command("integrity_check", stdout=out)
    assert f"application.child\tapplication {app.pk}" in out.getvalue()
    assert app.child.iin not in out.getvalue()  # masked
    latest = integrity_run_latest()
    assert latest is not None
    assert latest.verdict == "findings"


def test_a_tier_raised(world: World) -> None:
    app = _application(world)
    tamper(Application, app.pk, tier="extraordinary")
    assert "application.tier" in kinds()


def test_registered_at_edited(world: World) -> None:
    app = _application(world)
    tamper(Application, app.pk, registered_at=app.registered_at - dt.timedelta(days=300))
    assert "application.registered_at" in kinds()


def test_an_application_deleted(world: World) -> None:
    app = Application.objects.filter(
        locality=world.locality, status="queued", benefit_claims__isnull=True
    ).first()
    assert app is not None
    with triggers_off(Application, StopListEntry), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {StopListEntry._meta.db_table} WHERE application_id = %s", [app.pk])  # noqa: S608
        cursor.execute(f"DELETE FROM {Application._meta.db_table} WHERE id = %s", [app.pk])  # noqa: S608
    assert "application.missing" in kinds()


def test_a_withdrawn_application_resurrected_for_another_child(world: World) -> None:
    app = _application(world, "withdrawn")
    other = waitlist.child_from_registry(iin=toddler().iin)
    tamper(Application, app.pk, status="queued", child=other)
    assert {"application.status", "application.child"} <= kinds()


def test_a_direction_created_in_sql(world: World) -> None:
    app = _application(world)
    place = Place.objects.filter(group=world.group, status="open").first()
    assert place is not None
    now = MONDAY + dt.timedelta(days=41)
    with triggers_off(Direction):  # an administrator's insert (the database limits a direction's days)
        Direction.objects.create(
            place=place, group=place.group, application=app, state="awaiting_enrollment", issued_at=now,
            valid_until=now + dt.timedelta(days=5), latest_valid_until=now + dt.timedelta(days=30),
        )  # fmt: skip
    assert "direction.unrecorded" in kinds()


def test_a_direction_extended_in_sql(world: World) -> None:
    direction = Direction.objects.order_by("pk").first()
    assert direction is not None
    later = direction.issued_at + dt.timedelta(days=60)
    tamper(Direction, direction.pk, valid_until=later, latest_valid_until=later)
    assert "direction.valid_until" in kinds()


def test_a_publications_window_edited(world: World) -> None:
    publication = Publication.objects.order_by("pk").first()
    assert publication is not None
    tamper(Publication, publication.pk, priority_until=publication.priority_until + dt.timedelta(days=3))
    assert "publication.priority_until" in kinds()


def test_a_seat_withheld(world: World) -> None:
    place = Place.objects.filter(group=world.group, status="open").first()
    assert place is not None
    tamper(Place, place.pk, status="withdrawn")
    assert {"place.status", "group.seats_withheld"} <= kinds()


def test_a_capacity_raised_in_sql_is_a_withheld_seat_until_tick(world: World) -> None:
    from kezek.facilities.models import Group

    assert "group.seats_withheld" not in kinds()
    Group.objects.filter(pk=world.group.pk).update(capacity=world.group.capacity + 2)
    assert "group.seats_withheld" in kinds()


def test_the_ratio_changed_quietly(world: World) -> None:
    row = QueueSettings.objects.get(locality=world.locality)
    tamper(QueueSettings, row.pk, priority_ratio=9)
    assert "queue_settings.priority_ratio" in kinds()


def test_a_group_capacity_changed_in_sql(world: World) -> None:
    tamper(Group, world.group.pk, capacity=2)
    assert "group.capacity" in kinds()


def test_rank_and_count_tables_edited(world: World) -> None:
    node = RankNode.objects.filter(count__gt=0).order_by("pk").first()
    assert node is not None
    tamper(RankNode, node.pk, count=node.count + 1)
    counter = CohortCounter.objects.filter(locality=world.locality).first()
    assert counter is not None
    tamper(CohortCounter, counter.pk, last_ordinal=1000)
    assert {"rank_node.count", "cohort_counter.last_ordinal"} <= kinds()


def test_tick_queues_one_run_a_night(world: World, django_capture_on_commit_callbacks: Callable) -> None:
    night = dt.datetime(2027, 2, 1, 3, 0, tzinfo=ALMATY)
    with time_machine.travel(night, tick=False), django_capture_on_commit_callbacks(execute=False):
        assert tick_run()["integrity.nightly"] == 1
        assert tick_run()["integrity.nightly"] == 0
    run = IntegrityRun.objects.get(night=night.date())
    from kezek.integrity.tasks import integrity_check_task

    assert integrity_check_task.call(run.pk) == "ok"
    with time_machine.travel(night - dt.timedelta(hours=2), tick=False):  # 01:00: not yet tonight's
        assert tick_run()["integrity.nightly"] == 0


def test_the_latest_result_is_public(world: World, client: Client) -> None:
    assert client.get("/api/v1/open-data/integrity").status_code == 404
    call_command("integrity_check", stdout=StringIO())
    body = client.get("/api/v1/open-data/integrity").json()
    assert (body["verdict"], body["findings"], body["events_checked"] > 30) == ("ok", 0, True)
