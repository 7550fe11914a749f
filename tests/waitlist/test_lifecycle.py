"""Withdrawal, stop-list (S1, S2), benefit decisions (Q5, P5), extension (Q7), tick; ledger replay (Q6)."""

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User

from kezek.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kezek.core.tick import tick_run
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.waitlist import ordering, selectors, services
from kezek.waitlist.models import Application, BenefitClaim, StopListEntry
from tests.factories import LocalityFactory, RegistryPersonFactory, basis, register_application

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))


@pytest.fixture
def staff() -> User:
    return User.objects.create(username="operator", is_staff=True)


def fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


def test_withdrawal_by_applicant_and_by_staff(staff: User) -> None:
    mine, other = register_application(), register_application()
    with pytest.raises(NotFound):
        services.application_withdraw(application=other, by_applicant=mine.applicant)
    services.application_withdraw(application=mine, by_applicant=mine.applicant)
    assert fresh(mine).status == "withdrawn"
    with pytest.raises(Conflict):
        services.application_withdraw(application=mine, by_applicant=mine.applicant)
    with pytest.raises(ValidationFailed):
        services.application_withdraw(application=other, by_staff=staff, basis=basis(".........."))
    services.application_withdraw(
        application=other, by_staff=staff, basis=basis("the parent's written request of 12.11")
    )
    assert fresh(other).status_reason == "the parent's written request of 12.11"


@time_machine.travel(dt.datetime(2026, 12, 14, 10, 0, tzinfo=ALMATY), tick=False)
def test_expired_direction_stop_list_restores_after_ten_working_days_around_holidays() -> None:
    """16 December is Independence Day: 10 working days after Mon 14 Dec 2026 end on Tue 29 Dec."""
    locality = LocalityFactory.create()
    first = register_application(locality=locality)
    second = register_application(locality=locality)
    entry = services.application_stop_list(application=first, reason="direction_expired")
    assert entry.restore_on == dt.date(2026, 12, 29)
    assert selectors.queue_position(application=second).position == 1  # type: ignore[union-attr]
    assert selectors.queue_position(application=fresh(first)) is None
    with time_machine.travel(dt.datetime(2026, 12, 28, 23, 0, tzinfo=ALMATY), tick=False):
        assert tick_run()["waitlist.stop_list_restore"] == 0
    with time_machine.travel(dt.datetime(2026, 12, 29, 0, 5, tzinfo=ALMATY), tick=False):
        # The sweep has not run yet: reads already show the restored order (S1: original place).
        assert selectors.effective_status(fresh(first)) == "queued"
        assert selectors.queue_position(application=fresh(first)).position == 1  # type: ignore[union-attr]
        assert selectors.queue_position(application=second).position == 2  # type: ignore[union-attr]
        assert tick_run()["waitlist.stop_list_restore"] == 1
        assert tick_run()["waitlist.stop_list_restore"] == 0  # idempotent
        assert fresh(first).status == "queued"
        assert selectors.queue_position(application=fresh(first)).position == 1  # type: ignore[union-attr]


def test_cleanup_stop_list_is_lifted_by_the_parent_manual_only_by_staff(staff: User) -> None:
    cleaned, manual = register_application(), register_application()
    services.application_stop_list(application=cleaned, reason="cleanup")
    with pytest.raises(ValidationFailed):
        services.application_stop_list(application=manual, reason="manual", by_staff=staff)
    services.application_stop_list(
        application=manual, reason="manual", basis=basis("the certificate is forged"), by_staff=staff
    )
    with pytest.raises(PermissionDenied):
        services.application_restore(application=manual, by_applicant=manual.applicant)
    services.application_restore(application=cleaned, by_applicant=cleaned.applicant)
    services.application_restore(application=manual, by_staff=staff, basis=basis())
    assert {fresh(cleaned).status, fresh(manual).status} == {"queued"}
    assert StopListEntry.objects.filter(restored_at__isnull=True).count() == 0


def test_rejected_extraordinary_benefit_returns_to_general_through_the_stop_list(staff: User) -> None:
    locality = LocalityFactory.create()
    # Both children in one birth-year cohort, whatever the registry factory's sequence has reached.
    general = register_application(
        locality=locality, child=RegistryPersonFactory.create(birth_date=dt.date(2022, 3, 1))
    )
    special = register_application(
        locality=locality,
        tier="extraordinary",
        child=RegistryPersonFactory.create(birth_date=dt.date(2022, 3, 2)),
    )
    assert selectors.queue_position(application=special).position == 1  # type: ignore[union-attr]
    claim = BenefitClaim.objects.get(application=special)
    with pytest.raises(ValidationFailed):
        services.benefit_claim_decide(claim=claim, confirm=False, by_staff=staff, basis=basis("...."))
    services.benefit_claim_decide(
        claim=claim, confirm=False, by_staff=staff, basis=basis("the certificate is forged")
    )
    special = fresh(special)
    assert (special.tier, special.status) == ("general", "stop_listed")
    entry = StopListEntry.objects.get(application=special)
    assert entry.reason == "benefit_rejected"
    services.application_restore(application=special, by_staff=staff, basis=basis())
    # Back with its original registered_at: behind the general application registered before it.
    assert selectors.queue_position(application=fresh(special)).position == 2  # type: ignore[union-attr]
    assert selectors.queue_position(application=general).position == 1  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        services.benefit_claim_decide(claim=claim, confirm=True, by_staff=staff, basis=basis())


def test_confirmed_extraordinary_benefit_keeps_the_head(staff: User) -> None:
    special = register_application(tier="extraordinary")
    claim = BenefitClaim.objects.get(application=special)
    services.benefit_claim_decide(claim=claim, confirm=True, by_staff=staff, basis=basis())
    assert (fresh(special).tier, BenefitClaim.objects.get(pk=claim.pk).status) == (
        "extraordinary",
        "confirmed",
    )


def test_extension_adds_a_year() -> None:
    application = register_application()
    until = application.valid_until
    services.application_extend(application=application)
    assert fresh(application).valid_until == until.replace(year=until.year + 1)


def replay() -> tuple[dict[int, dict[str, Any]], dict[str, int]]:
    """Fold the ledger into each application's state and each locality's ratio."""
    state: dict[int, dict[str, Any]] = {}
    ratios: dict[str, int] = {}
    for event in LedgerEvent.objects.order_by("seq"):
        if event.kind == "queue_settings.changed":
            ratios[event.locality_code] = event.payload["priority_ratio"]
        elif event.subject_type == "application":
            row = state.setdefault(int(event.subject_id), {"locality": event.locality_code})
            row.update(status=event.payload["status"], tier=event.payload["tier"])
            if event.kind == "application.registered":
                row.update(cohort=event.payload["cohort"], ordinal=event.payload["ordinal"])
    return state, ratios


def test_replaying_the_ledger_reproduces_statuses_and_positions(staff: User) -> None:
    localities = [LocalityFactory.create(), LocalityFactory.create()]
    services.queue_settings_update(locality=localities[1], priority_ratio=2)
    apps = [
        register_application(locality=localities[i % 2], tier=tier)
        for i, tier in enumerate(["general", "first_priority", "extraordinary", "general"] * 4)
    ]
    services.application_withdraw(application=apps[0], by_applicant=apps[0].applicant)
    services.application_stop_list(application=apps[3], reason="cleanup")
    services.application_stop_list(
        application=apps[5], reason="manual", basis=basis("a double registration found"), by_staff=staff
    )
    services.application_restore(application=apps[5], by_staff=staff, basis=basis())
    claim = BenefitClaim.objects.get(application=apps[6])
    services.benefit_claim_decide(
        claim=claim, confirm=False, by_staff=staff, basis=basis("the father is not a serviceman")
    )
    assert ledger_verify().ok

    state, ratios = replay()
    queues: dict[tuple[str, object], dict[str, list[tuple[int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for number, row in state.items():
        application = Application.objects.select_related("locality").get(pk=number)
        assert row["status"] == application.status
        assert row["tier"] == application.tier
        if row["status"] == "queued":
            queues[str(row["locality"]), row["cohort"]][str(row["tier"])].append(
                (int(row["ordinal"]), number)
            )
    for (locality_code, _cohort), tiers in queues.items():
        order = ordering.interleave(
            extraordinary=[n for _o, n in sorted(tiers[ordering.EXTRAORDINARY])],
            first_priority=sorted(tiers[ordering.FIRST_PRIORITY]),
            general=sorted(tiers[ordering.GENERAL]),
            ratio=ratios.get(locality_code, 3),
        )
        for place, number in enumerate(order, start=1):
            position = selectors.queue_position(application=Application.objects.get(pk=number))
            assert position is not None
            assert position.position == place


def test_rejection_of_a_cleanup_stop_listed_application_is_not_lifted_by_the_parent(staff: User) -> None:
    special = register_application(tier="extraordinary")
    services.application_stop_list(application=special, reason="cleanup")
    claim = BenefitClaim.objects.get(application=special)
    services.benefit_claim_decide(
        claim=claim, confirm=False, by_staff=staff, basis=basis("the certificate is forged")
    )
    entry = StopListEntry.objects.get(application=special, restored_at__isnull=True)
    assert entry.reason == "benefit_rejected"
    with pytest.raises(PermissionDenied):
        services.application_restore(application=fresh(special), by_applicant=special.applicant)


def test_the_public_ledger_names_no_benefit_category() -> None:
    application = register_application(tier="first_priority")
    event = LedgerEvent.objects.get(kind="application.registered", subject_id=str(application.pk))
    assert "large_family" not in str(event.payload)


@time_machine.travel(dt.datetime(2026, 12, 14, 10, 0, tzinfo=ALMATY), tick=False)
def test_queue_list_and_check_agree_before_the_late_sweep() -> None:
    locality = LocalityFactory.create()
    first, second = register_application(locality=locality), register_application(locality=locality)
    services.application_stop_list(application=first, reason="direction_expired")
    with time_machine.travel(dt.datetime(2026, 12, 29, 9, 0, tzinfo=ALMATY), tick=False):
        total, rows = selectors.queue_page(locality=locality, cohort=first.cohort, offset=0, limit=10)
        check = selectors.queue_position(application=fresh(first))
        if first.cohort == second.cohort:
            assert total == 2
        assert check is not None
        assert next(r.position for r in rows if r.number == first.pk) == check.position
