"""E21: the maximum parental fee — the selector, the contract's cap (records, E3) and the statement's flag
of contracts above it."""

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client

from kezek.core.errors import ValidationFailed
from kezek.funding import selectors, services
from kezek.funding.models import Statement
from kezek.ledger.models import LedgerEvent
from kezek.records import services as records
from kezek.records.models import ChildFile
from tests.factories.staff import staff_login
from tests.records.conftest import MONDAY, World, make_world

from .helpers import MONTH, lock_month, mark_month, operator, rates

pytestmark = pytest.mark.django_db
JUNE = dt.date(2026, 6, 1)


@pytest.fixture
def world() -> World:
    world = make_world()
    staff = operator(world.organisation.locality)
    rates(world.organisation.locality, staff)  # a cap of 15 000 from January
    services.terms_set(
        locality=world.organisation.locality, max_parent_fee=Decimal("18000"), paid_reasons=[],
        valid_from=JUNE, decision_number="№ 7/2026", by_staff=staff,
    )  # fmt: skip
    return world


def test_the_cap_in_force_on_a_day(world: World) -> None:
    locality = world.organisation.locality
    assert selectors.max_parental_fee(locality=locality, on=dt.date(2026, 5, 31)) == Decimal("15000.00")
    assert selectors.max_parental_fee(locality=locality, on=JUNE) == Decimal("18000.00")
    assert selectors.max_parental_fee(locality=locality, on=dt.date(2025, 12, 31)) is None  # no terms: no cap


@time_machine.travel(MONDAY, tick=False)
def test_a_contract_above_the_cap_of_its_date_is_refused_and_nothing_written(world: World) -> None:
    before = LedgerEvent.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        records.child_file_contract_set(
            file=world.file, by_staff=world.staff, number="1/26", signed_on=dt.date(2026, 5, 20),
            monthly_fee="15000.01",
        )  # fmt: skip
    assert refused.value.code == "fee_above_cap"
    assert LedgerEvent.objects.count() == before
    assert ChildFile.objects.get(pk=world.file.pk).monthly_fee is None
    # The same fee under June's higher cap is accepted; so is one at the cap exactly.
    records.child_file_contract_set(
        file=world.file, by_staff=world.staff, number="1/26", signed_on=JUNE, monthly_fee="15000.01"
    )
    records.child_file_contract_set(
        file=world.file, by_staff=world.staff, number="1/26", signed_on=JUNE, monthly_fee="18000"
    )


@time_machine.travel(MONDAY, tick=False)
def test_the_api_answers_a_translated_422(world: World) -> None:
    client = staff_login(Client(), world.staff)
    response = client.post(
        f"/api/v1/staff/record-contracts/{world.file.pk}",
        json.dumps({"number": "2/26", "signed_on": "2026-07-01", "monthly_fee": "18000.50"}),
        content_type="application/json",
        headers={"accept-language": "ru"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "fee_above_cap"
    assert ChildFile.objects.get(pk=world.file.pk).contract_number == ""


def test_the_statement_counts_contracts_above_the_cap(world: World) -> None:
    """A contract signed before the cap was lowered (or written around the service) is flagged."""
    staff = operator(world.organisation.locality)
    with time_machine.travel(MONDAY, tick=False):
        records.child_file_contract_set(
            file=world.file, by_staff=world.staff, number="3/26", signed_on=JUNE, monthly_fee="17000"
        )
    with connection.cursor() as cursor:  # the cap of its date is 18 000; make it 16 000 behind the services
        cursor.execute("UPDATE funding_terms SET max_parent_fee = 16000 WHERE valid_from = %s", [JUNE])
    mark_month(world.enrollment, MONTH, ["+"] * 5, by=staff)
    for group in (world.group, world.other_group):
        lock_month(group, MONTH)
    with time_machine.travel(MONDAY, tick=False):
        services.statements_calculate(month=MONTH, locality=world.organisation.locality, by_staff=staff)
    assert Statement.objects.get(organisation=world.organisation).fees_above_cap == 1
