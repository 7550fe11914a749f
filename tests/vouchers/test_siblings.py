"""E34 with P6: twins (and siblings born less than a month apart) registered together sign a voucher's
contract together, into one kindergarten, or not at all; a sibling's own voucher is signed with it."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User

from kezek.core.errors import Conflict
from kezek.facilities.models import Locality
from kezek.integrity.diff import integrity_check
from kezek.ledger.models import LedgerEvent
from kezek.placement import services as placement
from kezek.placement.models import Direction, Place
from kezek.vouchers import services
from kezek.vouchers.models import Voucher
from kezek.waitlist.models import Application
from tests.factories import RegistryPersonFactory
from tests.factories import register_application as register
from tests.factories.waitlist import next_phone

from .helpers import ALMATY, kindergarten, queue, voucher_locality

pytestmark = pytest.mark.django_db
TUESDAY = dt.datetime(2026, 12, 15, 10, 0, tzinfo=ALMATY)


def _twins(locality: Locality) -> tuple[Application, Application]:
    parent = RegistryPersonFactory.create(adult=True)
    phones = (next_phone(), next_phone())
    born = dt.date(2024, 3, 1)
    a, b = (
        register(
            locality=locality,
            child=RegistryPersonFactory.create(birth_date=born),
            applicant=parent,
            phones=phones,
        )
        for _ in range(2)
    )
    return a, b


def _confirmed(application: Application) -> Voucher:
    return services.voucher_confirm(
        voucher=Voucher.objects.get(application=application), applicant=application.applicant
    )


@time_machine.travel(TUESDAY, tick=False)
def test_e34_p6_twins_sign_together_into_one_kindergarten() -> None:
    locality = voucher_locality()
    twin_a, twin_b = _twins(locality)
    kindergarten(locality, capacity=1)  # elsewhere
    group = kindergarten(locality, capacity=2)
    services.vouchers_issue(locality=locality)
    voucher_a = _confirmed(twin_a)
    voucher_b = Voucher.objects.get(application=twin_b)
    assert voucher_b.state == "issued"  # the sibling has not confirmed: signing for both confirms it
    services.voucher_sign(voucher=voucher_a, applicant=twin_a.applicant, organisation=group.organisation)
    directions = Direction.objects.filter(group__organisation=group.organisation)
    assert sorted(directions.values_list("application_id", flat=True)) == sorted([twin_a.pk, twin_b.pk])
    for event in LedgerEvent.objects.filter(kind="direction.issued"):
        assert event.payload["by_right_of"] == twin_a.pk  # P6: the sibling rides with the voucher's right
    voucher_b.refresh_from_db()
    assert voucher_b.state == "contracted"
    assert voucher_b.direction == Direction.objects.get(application=twin_b)
    assert LedgerEvent.objects.filter(kind="voucher.contract_signed").count() == 2
    assert {Application.objects.get(pk=a.pk).status for a in (twin_a, twin_b)} == {"referred"}
    assert integrity_check().findings == []


@time_machine.travel(TUESDAY, tick=False)
def test_e34_p6_one_seat_for_twins_is_409_and_nothing_written_or_they_wait_together() -> None:
    locality = voucher_locality()
    twin_a, twin_b = _twins(locality)
    (other,) = queue(locality, 1)
    group = kindergarten(locality, capacity=1)
    kindergarten(locality, capacity=2)
    services.vouchers_issue(locality=locality)
    voucher_a, voucher_b = _confirmed(twin_a), _confirmed(twin_b)
    rows = Direction.objects.count(), LedgerEvent.objects.count(), Place.objects.filter(status="open").count()
    with pytest.raises(Conflict) as exc:
        services.voucher_sign(voucher=voucher_a, applicant=twin_a.applicant, organisation=group.organisation)
    assert exc.value.code == "no_place"
    assert (
        Direction.objects.count(),
        LedgerEvent.objects.count(),
        Place.objects.filter(status="open").count(),
    ) == rows  # nothing half-taken
    voucher_a = services.voucher_sign(
        voucher=voucher_a, applicant=twin_a.applicant, organisation=group.organisation, wait=True
    )
    assert voucher_a.state == "waiting"
    assert services.waiting_serve() == 0  # one seat: the twins keep waiting, nobody is split off
    assert not Direction.objects.exists()
    # A second seat there: the twins are served together (the sibling's confirmed voucher is signed too).
    placement.group_capacity_change(group=group, capacity=2, by_staff=User.objects.create(username="dept"))
    assert services.waiting_serve() == 1
    assert set(Direction.objects.filter(group=group).values_list("application_id", flat=True)) == {
        twin_a.pk,
        twin_b.pk,
    }
    voucher_b.refresh_from_db()
    assert voucher_b.state == "contracted"
    assert Application.objects.get(pk=other.pk).status == "queued"
    assert integrity_check().findings == []
