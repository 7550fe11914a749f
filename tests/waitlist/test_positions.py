"""Positions (Q3, Q4, Q6) from the Fenwick counts agree with plain sorting, whatever happens to the queue."""

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import User
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kezek.registry.models import RegistryPerson
from kezek.waitlist import ranks, selectors, services
from kezek.waitlist.models import Application, CohortCounter, RankNode
from tests.factories import LocalityFactory, RegistryPersonFactory, basis, register_application

pytestmark = pytest.mark.django_db

TIERS = st.sampled_from(["general", "general", "general", "first_priority", "extraordinary"])
HYPOTHESIS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


_days = itertools.count()


def _child(year: int) -> RegistryPerson:
    """A child born in `year` (each call a different day, so IINs never collide)."""
    return RegistryPersonFactory.create(birth_date=dt.date(year, 1, 1) + dt.timedelta(days=next(_days) % 360))


def positions(locality_id: int, cohort: int) -> dict[int, int]:
    """{application number: position} by the Fenwick selector, for every queued application."""
    queued = Application.objects.filter(locality_id=locality_id, cohort=cohort, status="queued")
    result = {}
    for application in queued:
        position = selectors.queue_position(application=application)
        assert position is not None
        result[application.pk] = position.position
    return result


def assert_consistent(locality_id: int, cohort: int) -> dict[int, int]:
    reference = selectors.cohort_order_reference(locality_id=locality_id, cohort=cohort)
    found = positions(locality_id, cohort)
    assert found == {number: i for i, number in enumerate(reference, start=1)}
    assert sorted(found.values()) == list(range(1, len(found) + 1))
    return found


@given(tiers=st.lists(TIERS, min_size=1, max_size=14))
@HYPOTHESIS
def test_positions_match_the_reference_and_new_arrivals_behave(tiers: list[str]) -> None:
    """Positions are 1..n; a general newcomer moves nobody; an extraordinary one moves those behind by 1."""
    locality = LocalityFactory.create()
    before: dict[int, int] = {}
    cohort = 2022
    for tier in tiers:
        application = register_application(locality=locality, tier=tier, child=_child(cohort))
        after = assert_consistent(locality.pk, cohort)
        mine = after[application.pk]
        for number, old in before.items():
            if tier == "general":
                assert after[number] == old
            elif tier == "extraordinary":
                assert after[number] == (old + 1 if old >= mine else old)
        before = after


@given(
    tiers=st.lists(TIERS, min_size=2, max_size=10),
    actions=st.lists(st.tuples(st.sampled_from(["withdraw", "stop", "restore"]), st.integers(0, 9))),
    ratio=st.integers(min_value=1, max_value=4),
)
@HYPOTHESIS
def test_positions_stay_right_through_withdrawals_stop_list_and_ratio(
    tiers: list[str], actions: list[tuple[str, int]], ratio: int
) -> None:
    locality = LocalityFactory.create()
    services.queue_settings_update(locality=locality, priority_ratio=ratio)
    staff = User.objects.create(username=f"staff-{locality.pk}")
    applications = [register_application(locality=locality, tier=t, child=_child(2021)) for t in tiers]
    for action, index in actions:
        application = Application.objects.get(pk=applications[index % len(applications)].pk)
        if action == "withdraw" and application.status in ("queued", "stop_listed"):
            services.application_withdraw(application=application, by_applicant=application.applicant)
        elif action == "stop" and application.status == "queued":
            services.application_stop_list(
                application=application,
                reason="manual",
                basis=basis("the documents were forged"),
                by_staff=staff,
            )
        elif action == "restore" and application.status == "stop_listed":
            services.application_restore(application=application, by_staff=staff, basis=basis())
        assert_consistent(locality.pk, 2021)
    for node in RankNode.objects.filter(locality=locality):
        assert node.count >= 0


def test_cohorts_and_localities_are_separate() -> None:
    city, town = LocalityFactory.create(), LocalityFactory.create()
    a = register_application(locality=city, child=_child(2022))
    b = register_application(locality=city, child=_child(2023))
    c = register_application(locality=town, child=_child(2022))
    for application in (a, b, c):
        position = selectors.queue_position(application=application)
        assert position is not None
        assert (position.position, position.cohort_size) == (1, 1)
    assert selectors.queue_position(application=a).cohort == 2022  # type: ignore[union-attr]


def test_queue_page_walks_the_cohort_in_order() -> None:
    locality = LocalityFactory.create()
    tiers = ["general"] * 7 + ["first_priority"] * 3 + ["extraordinary"] * 2
    for tier in tiers:
        register_application(locality=locality, tier=tier, child=_child(2022))
    reference = selectors.cohort_order_reference(locality_id=locality.pk, cohort=2022)
    rows = []
    for offset in range(0, 12, 5):
        total, page = selectors.queue_page(locality=locality, cohort=2022, offset=offset, limit=5)
        assert total == 12
        rows += page
    assert [row.number for row in rows] == reference
    assert [row.position for row in rows] == list(range(1, 13))
    assert all(len(row.initials) == 4 and row.initials.count(".") == 2 for row in rows)


def test_positions_read_every_node_of_the_largest_ordinals() -> None:
    """Prefix sums over all 21 bits of an ordinal (the statement computes the rank nodes itself)."""
    locality = LocalityFactory.create()
    first = register_application(locality=locality, tier="general", child=_child(2022))
    CohortCounter.objects.filter(locality=locality, cohort=2022).update(last_ordinal=ranks.CAPACITY - 3)
    priority = register_application(locality=locality, tier="first_priority", child=_child(2022))
    last = register_application(locality=locality, tier="general", child=_child(2022))
    assert (priority.ordinal, last.ordinal) == (ranks.CAPACITY - 2, ranks.CAPACITY - 1)  # 21 set bits
    assert assert_consistent(locality.pk, 2022) == {priority.pk: 1, first.pk: 2, last.pk: 3}
    total, rows = selectors.queue_page(locality=locality, cohort=2022, offset=0, limit=5)
    assert (total, [row.number for row in rows]) == (3, [priority.pk, first.pk, last.pk])


@pytest.mark.postgres
def test_the_check_is_one_prepared_statement_planned_once() -> None:
    locality = LocalityFactory.create()
    child = _child(2022)
    register_application(locality=locality, child=child)
    for _ in range(3):
        (result,) = selectors.check_queue(iin=child.iin)
        assert result.position == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%FROM waitlist_child WHERE iin%"],
        )
        plans = cursor.fetchall()
    assert len(plans) == 1
    assert all(generic >= 3 and custom == 0 for generic, custom in plans)
