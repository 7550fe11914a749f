"""E20/E21: rates and terms as data with validity; bad input refused with nothing written, by the service
(translated 4xx) and by the database (exclusion constraint on PostgreSQL, triggers on SQLite, CHECKs)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from kezek.core.errors import Conflict, DomainError, ValidationFailed
from kezek.funding import services
from kezek.funding.models import Rate, Terms
from kezek.ledger.models import LedgerEvent
from kezek.translog.public import public_data

from .helpers import kindergarten, operator, row_counts

pytestmark = pytest.mark.django_db
JAN, JUL = dt.date(2026, 1, 1), dt.date(2026, 7, 1)


def rate(locality, by, **fields):
    values = {
        "ownership": "state", "group_kind": "general", "age_from": 3, "age_to": 6, "stay_mode": "full_day",
        "amount": Decimal("60000.00"), "valid_from": JAN, "decision_number": "№ 12", **fields,
    }  # fmt: skip
    return services.rate_set(locality=locality, by_staff=by, **values)


def test_a_new_decision_ends_the_open_rate_and_is_on_the_ledger() -> None:
    locality = kindergarten().locality
    staff = operator(locality)
    first = rate(locality, staff)
    second = rate(locality, staff, amount=Decimal("65000.00"), valid_from=JUL, decision_number="№ 40")
    first.refresh_from_db()
    assert first.valid_until == JUL
    assert second.valid_until is None
    event = LedgerEvent.objects.filter(kind="funding.rate_set").last()
    assert event is not None
    data = public_data(event.kind, event.payload)
    assert (data["decision_number"], data["amount"], data["ended"]) == ("№ 40", "65000.00", first.pk)
    assert "by" not in data


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"valid_from": dt.date(2026, 3, 1), "valid_until": dt.date(2026, 5, 1)},
            Conflict,
        ),  # inside the first
        ({"valid_from": dt.date(2025, 6, 1), "valid_until": dt.date(2026, 2, 1)}, Conflict),  # over its start
        ({"age_from": 5, "age_to": 7, "valid_from": dt.date(2026, 3, 1)}, Conflict),  # bands overlap
        ({"amount": Decimal("-0.01"), "valid_from": dt.date(2030, 1, 1)}, ValidationFailed),
        ({"amount": Decimal("1.001"), "valid_from": dt.date(2030, 1, 1)}, ValidationFailed),
        ({"valid_from": dt.date(2030, 1, 15)}, ValidationFailed),
        ({"valid_from": dt.date(2030, 1, 1), "decision_number": " "}, ValidationFailed),
        ({"valid_from": dt.date(2030, 1, 1), "ownership": "church"}, ValidationFailed),
    ],
)
def test_bad_rates_are_refused_and_nothing_is_written(fields: dict[str, object], error: type) -> None:
    locality = kindergarten().locality
    staff = operator(locality)
    rate(locality, staff)
    before = row_counts()
    with translation.override("ru"), pytest.raises(error) as refused:
        rate(locality, staff, **fields)
    assert isinstance(refused.value, DomainError)
    assert refused.value.status in (409, 422)
    assert str(refused.value.message) != ""
    assert row_counts() == before


def test_overlapping_terms_and_a_negative_fee_are_refused() -> None:
    locality = kindergarten().locality
    staff = operator(locality)
    services.terms_set(locality=locality, max_parent_fee=Decimal("15000"), paid_reasons=["illness_certified"],
                       valid_from=JAN, valid_until=JUL, decision_number="1", by_staff=staff)  # fmt: skip
    before = row_counts()
    with pytest.raises(Conflict):
        services.terms_set(locality=locality, max_parent_fee=Decimal("1"), paid_reasons=[], by_staff=staff,
                           valid_from=dt.date(2026, 6, 1), decision_number="2")  # fmt: skip
    with pytest.raises(ValidationFailed):
        services.terms_set(locality=locality, max_parent_fee=Decimal("-1"), paid_reasons=[], by_staff=staff,
                           valid_from=JUL, decision_number="2")  # fmt: skip
    with pytest.raises(ValidationFailed):
        services.terms_set(locality=locality, max_parent_fee=Decimal("1"), paid_reasons=["holiday"],
                           by_staff=staff, valid_from=JUL, decision_number="2")  # fmt: skip
    assert row_counts() == before


def test_the_database_refuses_overlaps_and_negative_amounts_itself() -> None:
    locality = kindergarten().locality
    staff = operator(locality)
    first = rate(locality, staff)
    base = {f.attname: getattr(first, f.attname) for f in Rate._meta.concrete_fields if f.attname != "id"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Rate.objects.create(**{**base, "valid_from": dt.date(2027, 1, 1)})  # open-ended over open-ended
    with pytest.raises(IntegrityError), transaction.atomic():
        Rate.objects.create(**{**base, "amount": Decimal("-1"), "valid_from": dt.date(2000, 1, 1),
                               "valid_until": dt.date(2001, 1, 1)})  # fmt: skip
    terms = {"locality": locality, "max_parent_fee": Decimal("1"), "paid_reasons": [], "decision_number": "1",
             "changed_at": first.changed_at}  # fmt: skip
    Terms.objects.create(**terms, valid_from=JAN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Terms.objects.create(**terms, valid_from=JUL)
    assert Rate.objects.count() == 1
