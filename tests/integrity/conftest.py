"""The integrity suite's world: a small locality lived through the services (issue 16)."""

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import User

from kezek.core.tick import tick_run
from kezek.facilities.models import Group, Locality
from kezek.integrity.diff import integrity_check
from kezek.placement import services as placement
from kezek.placement.models import Publication
from kezek.registry.models import RegistryPerson
from kezek.staff.models import Role
from kezek.waitlist import services as waitlist
from kezek.waitlist.models import Application
from tests.factories import LocalityFactory, OrganisationFactory, RegistryPersonFactory
from tests.factories import register_application as register
from tests.factories.discretion import basis
from tests.factories.staff import staff_user

ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)
_days = itertools.count()


def toddler() -> RegistryPerson:
    return RegistryPersonFactory.create(birth_date=dt.date(2024, 1, 1) + dt.timedelta(days=next(_days) % 300))


@dataclass(frozen=True)
class World:
    locality: Locality
    group: Group
    operator: User
    head: User


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
    return World(locality=locality, group=group, operator=operator, head=head)


def kinds() -> set[str]:
    return {finding.kind for finding in integrity_check().findings}
