"""E31–E37 in time-travel across the KZ calendar (16 December 2026, Independence Day, is a day off)."""

import datetime as dt

import pytest
import time_machine

from kezek.core.errors import Conflict, NotFound, ValidationFailed
from kezek.core.tick import tick_run
from kezek.integrity.diff import integrity_check
from kezek.ledger.models import LedgerEvent
from kezek.placement import selectors as placement_selectors
from kezek.placement import services as placement
from kezek.placement.models import Direction, Place, Publication
from kezek.vouchers import selectors, services
from kezek.vouchers.models import Voucher
from kezek.waitlist.models import Application, StopListEntry

from .helpers import ALMATY, kindergarten, queue, voucher_locality

pytestmark = pytest.mark.django_db
TUESDAY = dt.datetime(2026, 12, 15, 10, 0, tzinfo=ALMATY)  # the day before Independence Day


def _travel(day: int, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(dt.datetime(2026, 12, day, hour, 0, tzinfo=ALMATY), tick=False)


def _issued(n_places: int = 1, n_queue: int = 3) -> tuple[list[Application], list[Voucher]]:
    locality = voucher_locality()
    apps = queue(locality, n_queue)
    kindergarten(locality, capacity=n_places)
    services.vouchers_issue(locality=locality)
    return apps, list(Voucher.objects.order_by("pk"))


@time_machine.travel(TUESDAY, tick=False)
def test_e30_no_holders_and_e31_one_voucher_per_free_place_in_queue_order() -> None:
    apps, vouchers = _issued(n_places=2, n_queue=4)
    publication = Publication.objects.get()
    assert publication.policy == "voucher"
    assert publication.priority_until == publication.published_at  # E30: no window, no holders
    assert not publication.holders.exists()
    free = placement_selectors.free_places(organisation_id=publication.group.organisation_id)
    assert [(f.general, f.priority) for f in free] == [(0, 2)]  # for vouchers, never in general access
    with pytest.raises(Conflict):  # nobody takes a voucher's place with a direction of P2
        placement.direction_take(application=apps[3], group=publication.group, applicant=apps[3].applicant)
    assert [v.application_id for v in vouchers] == [apps[0].pk, apps[1].pk]
    assert services.vouchers_issue(locality=apps[0].locality) == 0  # idempotent: every place covered
    assert tick_run()["placement.vouchers"] == 0


@time_machine.travel(TUESDAY, tick=False)
def test_e32_two_working_days_across_independence_day() -> None:
    apps, (voucher,) = _issued()
    # Tue 15 Dec + 2 working days: 16 Dec is a day off → 17, 18: valid through Friday 18 December.
    assert voucher.confirm_until == dt.datetime(2026, 12, 19, 0, 0, tzinfo=ALMATY)
    with _travel(18, 23):
        assert selectors.voucher_state(voucher) == "issued"
    with _travel(19, 0):
        assert selectors.voucher_state(voucher) == "lapsed"  # before the sweep
        before = LedgerEvent.objects.count()
        with pytest.raises(Conflict) as exc:
            services.voucher_confirm(voucher=voucher, applicant=apps[0].applicant)
        assert exc.value.code == "confirm_late"
        assert LedgerEvent.objects.count() == before
        assert tick_run()["placement.vouchers"] >= 1
        voucher.refresh_from_db()
        assert voucher.state == "lapsed"
        assert voucher.restore_until == dt.datetime(2027, 1, 16, 0, 0, tzinfo=ALMATY)
        application = Application.objects.get(pk=apps[0].pk)
        assert (application.status, application.status_reason) == ("stop_listed", "voucher_lapsed")
        # The place is uncovered again: the next in line got a voucher.
        assert Voucher.objects.filter(application=apps[1], state="issued").exists()


@time_machine.travel(TUESDAY, tick=False)
def test_e33_restored_once_within_28_days() -> None:
    apps, (voucher,) = _issued()
    with _travel(19):
        tick_run()
    # Within 28 calendar days of the deadline (19 Dec 00:00 → 16 Jan 2027 00:00).
    with _travel(28):
        services.voucher_restore(voucher=voucher, applicant=apps[0].applicant)
        assert Application.objects.get(pk=apps[0].pk).status == "queued"
        assert not StopListEntry.objects.filter(application=apps[0], restored_at__isnull=True).exists()
        tick_run()  # at its turn (first in line) it gets a new voucher when one is due
    new = Voucher.objects.filter(application=apps[0]).exclude(pk=voucher.pk).first()
    assert new is not None  # the 2nd applicant's voucher lapsed too by then: the place went back to apps[0]
    with time_machine.travel(dt.datetime(2027, 1, 5, 10, tzinfo=ALMATY), tick=False):
        tick_run()
        new.refresh_from_db()
        assert new.state == "lapsed"
        with pytest.raises(Conflict) as exc:
            services.voucher_restore(voucher=new, applicant=apps[0].applicant)
        assert exc.value.code == "restored_once"
        assert integrity_check().findings == []  # E38: lapse, restoration, re-issue replay to the table


@time_machine.travel(TUESDAY, tick=False)
def test_e33_restore_after_28_days_is_refused() -> None:
    apps, (voucher,) = _issued()
    with time_machine.travel(dt.datetime(2027, 1, 16, 0, 0, tzinfo=ALMATY), tick=False):
        rows = Voucher.objects.count(), LedgerEvent.objects.count()
        with pytest.raises(Conflict) as exc:
            services.voucher_restore(voucher=voucher, applicant=apps[0].applicant)
        assert exc.value.code == "restore_late"
        assert (Voucher.objects.count(), LedgerEvent.objects.count()) == rows


@time_machine.travel(TUESDAY, tick=False)
def test_e35_five_working_days_and_e36_one_extension() -> None:
    apps, (voucher,) = _issued()
    with _travel(17):
        voucher = services.voucher_confirm(voucher=voucher, applicant=apps[0].applicant)
    # Thu 17 Dec + 5 working days: 18, 21, 22, 23, 24 → valid through Thursday 24 December.
    assert voucher.contract_until == dt.datetime(2026, 12, 25, 0, 0, tzinfo=ALMATY)
    with _travel(24):
        with pytest.raises(ValidationFailed):
            services.voucher_extend(voucher=voucher, applicant=apps[0].applicant, days=31)
        voucher = services.voucher_extend(voucher=voucher, applicant=apps[0].applicant, days=30)
        assert voucher.contract_until == dt.datetime(2027, 1, 24, 0, 0, tzinfo=ALMATY)
        with pytest.raises(Conflict) as exc:
            services.voucher_extend(voucher=voucher, applicant=apps[0].applicant, days=1)
        assert exc.value.code == "extension_limit"
    with time_machine.travel(dt.datetime(2027, 1, 24, 0, 0, tzinfo=ALMATY), tick=False):
        assert selectors.voucher_state(voucher) == "lapsed"
        tick_run()
        voucher.refresh_from_db()
        assert voucher.state == "lapsed"
        assert Application.objects.get(pk=apps[0].pk).status == "stop_listed"


@time_machine.travel(TUESDAY, tick=False)
def test_e33_refusal_withdraws_the_application() -> None:
    apps, (voucher,) = _issued()
    services.voucher_refuse(voucher=voucher, applicant=apps[0].applicant)
    application = Application.objects.get(pk=apps[0].pk)
    assert (application.status, application.status_reason) == ("withdrawn", "voucher_refused")
    before = LedgerEvent.objects.count()
    for act in (services.voucher_confirm, services.voucher_restore, services.voucher_refuse):
        with pytest.raises(Conflict) as exc:
            act(voucher=voucher, applicant=apps[0].applicant)
        assert exc.value.code == "refused"
    assert LedgerEvent.objects.count() == before


@time_machine.travel(TUESDAY, tick=False)
def test_another_familys_voucher_is_not_found() -> None:
    apps, (voucher,) = _issued()
    before = LedgerEvent.objects.count()
    with pytest.raises(NotFound):
        services.voucher_confirm(voucher=voucher, applicant=apps[1].applicant)
    with pytest.raises(NotFound):
        services.voucher_refuse(voucher=voucher, applicant=apps[1].applicant)
    assert LedgerEvent.objects.count() == before
    assert Voucher.objects.get().state == "issued"


@time_machine.travel(TUESDAY, tick=False)
def test_e34_contract_takes_the_seat_and_proceeds_as_a_direction() -> None:
    apps, (voucher,) = _issued()
    group = Place.objects.get().group
    voucher = services.voucher_confirm(voucher=voucher, applicant=apps[0].applicant)
    voucher = services.voucher_sign(
        voucher=voucher, applicant=apps[0].applicant, organisation=group.organisation
    )
    assert voucher.state == "contracted"
    direction = Direction.objects.get()
    assert (direction.application_id, direction.group_id, direction.state) == (
        apps[0].pk,
        group.pk,
        "awaiting_enrollment",
    )
    assert voucher.direction_id == direction.pk
    assert Application.objects.get(pk=apps[0].pk).status == "referred"
    assert Place.objects.get().status == "taken"
    assert LedgerEvent.objects.filter(kind="voucher.contract_signed").count() == 1


@time_machine.travel(TUESDAY, tick=False)
def test_e37_full_kindergarten_409_or_waits_and_is_served_first() -> None:
    locality = voucher_locality()
    apps = queue(locality, 3)
    full = kindergarten(locality, capacity=1)
    services.vouchers_issue(locality=locality)
    first = Voucher.objects.get(application=apps[0])
    first = services.voucher_confirm(voucher=first, applicant=apps[0].applicant)
    services.voucher_sign(voucher=first, applicant=apps[0].applicant, organisation=full.organisation)
    # A second kindergarten publishes a place: the next in line gets a voucher.
    other = kindergarten(locality, capacity=1)
    services.vouchers_issue(locality=locality)
    second = Voucher.objects.get(application=apps[1])
    second = services.voucher_confirm(voucher=second, applicant=apps[1].applicant)
    rows = Voucher.objects.count(), Direction.objects.count(), LedgerEvent.objects.count()
    with pytest.raises(Conflict) as exc:
        services.voucher_sign(voucher=second, applicant=apps[1].applicant, organisation=full.organisation)
    assert exc.value.code == "no_place"
    assert (Voucher.objects.count(), Direction.objects.count(), LedgerEvent.objects.count()) == rows
    second = services.voucher_sign(
        voucher=second, applicant=apps[1].applicant, organisation=full.organisation, wait=True
    )
    assert (second.state, second.waiting_organisation_id) == ("waiting", full.organisation_id)
    assert other.pk  # the other kindergarten's place stays for the next voucher
    # The child in the full kindergarten's seat declines: the seat frees there, the waiting child is served.
    placement.direction_decline(
        direction=Direction.objects.get(application=apps[0]), applicant=apps[0].applicant
    )
    assert services.waiting_serve() == 1
    second.refresh_from_db()
    assert second.state == "contracted"
    assert second.direction is not None
    assert second.direction.group_id == full.pk
    assert integrity_check().findings == []
