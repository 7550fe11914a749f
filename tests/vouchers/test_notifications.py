"""E39: the parent is told through the outbox — at the issue, once on the last working day of the
confirmation, at the lapse, when a waiting voucher is served — in their own language, nobody else."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import IntegrityError, transaction

from kezek.core.tick import tick_run
from kezek.notifications.models import OutboxMessage
from kezek.placement import services as placement
from kezek.placement.models import Direction
from kezek.vouchers import services
from kezek.vouchers.models import Voucher, VoucherReminder
from kezek.waitlist.models import Applicant, Application

from .helpers import ALMATY, kindergarten, queue, voucher_locality

pytestmark = pytest.mark.django_db
TUESDAY = dt.datetime(2026, 12, 15, 10, 0, tzinfo=ALMATY)  # the day before Independence Day


def _at(day: int, hour: int) -> time_machine.travel:
    return time_machine.travel(dt.datetime(2026, 12, day, hour, 0, tzinfo=ALMATY), tick=False)


def _rows(template: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(template=template).order_by("pk"))


def _speaking(application: Application, language: str) -> Application:
    Applicant.objects.filter(pk=application.applicant_id).update(notify_language=language)
    return Application.objects.select_related("applicant").get(pk=application.pk)


@time_machine.travel(TUESDAY, tick=False)
def test_e39_issue_tells_each_parent_in_their_language_with_the_deadline() -> None:
    locality = voucher_locality()
    apps = queue(locality, 3)
    kk, ru = _speaking(apps[0], "kk"), _speaking(apps[1], "ru")
    kindergarten(locality, capacity=2)
    services.vouchers_issue(locality=locality)
    rows = _rows("voucher_issued")
    vouchers = list(Voucher.objects.order_by("pk"))
    assert [(r.recipient, r.language) for r in rows] == [
        (kk.applicant.phone, "kk"),
        (ru.applicant.phone, "ru"),
    ]
    for row, voucher in zip(rows, vouchers, strict=True):
        assert row.channel == "sms"
        assert str(voucher.pk) in row.body
        assert str(voucher.application_id) in row.body
        assert "19.12.2026 00:00" in row.body  # E32: through Friday 18 December (16 Dec is a day off)
        assert f"/vouchers/{voucher.pk}/" in row.body
        # No other family's data: the only numbers are the parent's own voucher and application.
        numbers = {int(n) for n in re.findall(r"(?:No\.|№) (\d+)", row.body)}
        assert numbers == {voucher.pk, voucher.application_id}
    assert not OutboxMessage.objects.filter(recipient=apps[2].applicant.phone, template="voucher_issued")
    services.vouchers_issue(locality=locality)
    assert len(_rows("voucher_issued")) == 2  # idempotent


@time_machine.travel(TUESDAY, tick=False)
def test_e39_one_reminder_on_the_last_working_day_however_often_tick_runs() -> None:
    locality = voucher_locality()
    apps = queue(locality, 2)
    kindergarten(locality, capacity=2)
    services.vouchers_issue(locality=locality)
    unconfirmed, confirmed = Voucher.objects.order_by("pk")
    with _at(17, 10):
        services.voucher_confirm(voucher=confirmed, applicant=apps[1].applicant)
    with _at(18, 8):  # Friday, the last working day: not before 09:00
        assert tick_run()["placement.vouchers_remind"] == 0
    with _at(18, 9):
        assert tick_run()["placement.vouchers_remind"] == 1
        assert tick_run()["placement.vouchers_remind"] == 0
    with _at(18, 20):
        assert services.voucher_reminders_send() == 0
    rows = _rows("voucher_reminder")
    assert [r.recipient for r in rows] == [apps[0].applicant.phone]  # not the confirmed one
    assert "19.12.2026 00:00" in rows[0].body
    assert VoucherReminder.objects.get().voucher_id == unconfirmed.pk
    with _at(19, 0):
        tick_run()  # lapsed: no reminder after the deadline
    assert len(_rows("voucher_reminder")) == 1


@time_machine.travel(TUESDAY, tick=False)
def test_e39_reminder_is_one_per_voucher_in_the_database() -> None:
    locality = voucher_locality()
    queue(locality, 1)
    kindergarten(locality)
    services.vouchers_issue(locality=locality)
    voucher = Voucher.objects.get()
    VoucherReminder.objects.create(voucher=voucher, sent_at=TUESDAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        VoucherReminder.objects.create(voucher=voucher, sent_at=TUESDAY)


@time_machine.travel(TUESDAY, tick=False)
def test_e39_lapse_says_how_to_restore_within_28_days() -> None:
    locality = voucher_locality()
    apps = queue(locality, 1)
    ru = _speaking(apps[0], "ru")
    kindergarten(locality)
    services.vouchers_issue(locality=locality)
    with _at(19, 0):
        tick_run()
        tick_run()
    (row,) = _rows("voucher_lapsed")
    voucher = Voucher.objects.get()
    assert (row.recipient, row.language) == (ru.applicant.phone, "ru")
    assert voucher.restore_until == dt.datetime(2027, 1, 16, 0, 0, tzinfo=ALMATY)
    assert "16.01.2027 00:00" in row.body
    assert f"/vouchers/{voucher.pk}/" in row.body


@time_machine.travel(TUESDAY, tick=False)
def test_e39_a_waiting_voucher_served_names_the_kindergarten_and_direction() -> None:
    locality = voucher_locality()
    apps = queue(locality, 2)
    full = kindergarten(locality, capacity=1)
    services.vouchers_issue(locality=locality)
    first = services.voucher_confirm(
        voucher=Voucher.objects.get(application=apps[0]), applicant=apps[0].applicant
    )
    services.voucher_sign(voucher=first, applicant=apps[0].applicant, organisation=full.organisation)
    kindergarten(locality, capacity=1)
    services.vouchers_issue(locality=locality)
    second = services.voucher_confirm(
        voucher=Voucher.objects.get(application=apps[1]), applicant=apps[1].applicant
    )
    services.voucher_sign(
        voucher=second, applicant=apps[1].applicant, organisation=full.organisation, wait=True
    )
    assert not _rows("voucher_served")  # the parent who signs is answered at once, not by a message
    placement.direction_decline(
        direction=Direction.objects.get(application=apps[0]), applicant=apps[0].applicant
    )
    assert services.waiting_serve() == 1
    (row,) = _rows("voucher_served")
    direction = Direction.objects.get(application=apps[1], state="awaiting_enrollment")
    assert row.recipient == apps[1].applicant.phone
    assert str(direction.pk) in row.body
    assert full.organisation.name_ru in row.body
    assert services.waiting_serve() == 0
    assert len(_rows("voucher_served")) == 1
