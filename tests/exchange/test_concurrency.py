"""E73–E76 under real concurrency (PostgreSQL, one connection per thread): the weekly round run by
several ticks at once is one round; the heads accepting at once complete the cycle once; each child moves
exactly once and the ledger agrees."""

import datetime as dt

import pytest
import time_machine

from kezek.exchange import services
from kezek.exchange.models import Exchange, ExchangeMove, ExchangeRound
from kezek.ledger.models import LedgerEvent
from kezek.placement.models import Enrollment
from tests.concurrency import run_parallel

from .conftest import ROUND_DAY, kindergarten

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("ledger_agrees"),
]


def test_a_round_run_twice_at_once_moves_each_child_once(locality: object) -> None:
    a, b, c, d = (kindergarten(locality) for _ in range(4))  # type: ignore[arg-type]
    with time_machine.travel(ROUND_DAY - dt.timedelta(days=3), tick=False):
        for mine, theirs in ((a, b), (b, c), (c, a), (d, a)):
            services.offer_make(
                applicant=mine.parent,
                enrollment_id=mine.enrollment.pk,
                kindergartens=[theirs.organisation.pk],
            )
    with time_machine.travel(ROUND_DAY, tick=False):
        outcomes = run_parallel(4, lambda n: services.exchange_sweep())
        assert outcomes == {"ok": 4}
        assert ExchangeRound.objects.count() == 1
        (exchange,) = Exchange.objects.all()
        assert exchange.length == 3
        assert ExchangeMove.objects.filter(live=True).count() == 3
        heads = [(k.organisation.pk, k.head) for k in (a, b, c)] * 2  # each head twice, all at once
        outcomes = run_parallel(
            6,
            lambda n: services.exchange_decide(
                exchange_id=exchange.pk, organisation_id=heads[n][0], by_staff=heads[n][1], accept=True
            ),
        )
        assert outcomes["ok"] == 3
        assert sum(outcomes.values()) == 6  # the others: "decided" or "status", each a clean refusal
    exchange.refresh_from_db()
    assert exchange.status == "completed"
    moved = LedgerEvent.objects.filter(kind="enrollment.transferred").values_list("subject_id", flat=True)
    assert sorted(moved) == sorted(str(k.enrollment.pk) for k in (a, b, c))
    groups = dict(Enrollment.objects.values_list("pk", "group_id"))
    assert [groups[k.enrollment.pk] for k in (a, b, c, d)] == [b.group.pk, c.group.pk, a.group.pk, d.group.pk]
