"""The demo's place exchange: a few offers through the real services, this week's round proposing one
exchange, the demo head's acceptance recorded; a reset removes them; `integrity_check` finds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from kezek.exchange.models import Exchange, ExchangeMove, ExchangeOffer
from kezek.integrity.diff import integrity_check

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--scale", "small", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.database_owner  # the reset empties the ledger
def test_the_demo_has_offers_and_a_proposed_exchange() -> None:
    seed()
    assert ExchangeOffer.objects.count() == 4
    exchange = Exchange.objects.get()
    assert (exchange.status, exchange.length) == ("proposed", 2)
    assert ExchangeMove.objects.filter(exchange=exchange, decision="accepted").count() == 1
    report = integrity_check()
    assert report.ok, report.findings[:5]
    seed("--reset")
    assert ExchangeOffer.objects.count() == 4  # reloaded, not doubled
    assert integrity_check().ok
