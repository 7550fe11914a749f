"""Registrations under real concurrency (PostgreSQL, one connection per thread): the cohort lock gives
distinct ordinals and exact positions, the partial unique constraint one application per child."""

import datetime as dt
import itertools

import pytest

from kezek.ledger.selectors import ledger_verify
from kezek.waitlist import selectors
from kezek.waitlist.models import Application
from tests.concurrency import run_parallel
from tests.factories import LocalityFactory, RegistryPersonFactory, register_application

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("ledger_agrees"),
]


def test_parallel_registrations_in_one_cohort_get_exact_positions() -> None:
    locality = LocalityFactory.create()
    children = [RegistryPersonFactory.create(birth_date=dt.date(2022, 1 + n % 12, 1 + n)) for n in range(24)]
    tiers = ["general", "first_priority", "general", "extraordinary"] * 6

    outcomes = run_parallel(
        len(children), lambda n: register_application(locality=locality, child=children[n], tier=tiers[n])
    )

    assert outcomes == {"ok": 24}
    applications = list(Application.objects.filter(locality=locality))
    assert sorted(a.ordinal for a in applications) == list(range(1, 25))
    by_ordinal = sorted(applications, key=lambda a: a.ordinal)
    assert all(a.registered_at <= b.registered_at for a, b in itertools.pairwise(by_ordinal))
    reference = selectors.cohort_order_reference(locality_id=locality.pk, cohort=2022)
    for place, number in enumerate(reference, start=1):
        position = selectors.queue_position(application=Application.objects.get(pk=number))
        assert position is not None
        assert (position.position, position.cohort_size) == (place, 24)
    assert ledger_verify().ok


def test_the_same_child_registered_twelve_times_at_once_is_queued_once() -> None:
    locality = LocalityFactory.create()
    child = RegistryPersonFactory.create()

    outcomes = run_parallel(12, lambda n: register_application(locality=locality, child=child))

    assert outcomes == {"ok": 1, "duplicate": 11}
    assert Application.objects.filter(child__iin=child.iin).count() == 1
