"""E79: `integrity_check` replays the exchange events and finds an offer, exchange or round edited
behind the services' back."""

import datetime as dt

import pytest
import time_machine

from kezek.core.tick import tick_run
from kezek.exchange import services
from kezek.exchange.models import Exchange, ExchangeOffer, ExchangeRound
from kezek.integrity.diff import integrity_check

from .conftest import ROUND_DAY, Kindergarten

pytestmark = pytest.mark.django_db


def test_edits_in_sql_are_findings(three: list[Kindergarten]) -> None:
    a, b, _c = three
    with time_machine.travel(ROUND_DAY - dt.timedelta(days=3), tick=False):
        for mine, theirs in ((a, b), (b, a)):
            services.offer_make(
                applicant=mine.parent,
                enrollment_id=mine.enrollment.pk,
                kindergartens=[theirs.organisation.pk],
            )
    with time_machine.travel(ROUND_DAY, tick=False):
        tick_run()
    assert integrity_check().findings == []
    offer = ExchangeOffer.objects.order_by("pk").first()
    assert offer is not None
    ExchangeOffer.objects.filter(pk=offer.pk).update(status="exchanged", closed_at=ROUND_DAY)
    Exchange.objects.update(length=3)
    ExchangeRound.objects.update(runs=2)
    kinds = {finding.kind for finding in integrity_check().findings}
    assert kinds == {"exchange_offer.status", "exchange.length", "exchange_round.runs"}
