"""Place exchange through its services (E70–E77): offers and their bad input, the weekly round, the
heads' decisions, the moves, re-runs after a decline or a lapse; the ledger agrees throughout."""

import datetime as dt

import pytest
import time_machine

from kezek.core.errors import Conflict, NotFound, ValidationFailed
from kezek.core.tick import tick_run
from kezek.exchange import services
from kezek.exchange.models import Exchange, ExchangeChoice, ExchangeOffer, ExchangeRound
from kezek.ledger.models import LedgerEvent
from kezek.placement import selectors as placement_selectors
from kezek.placement import services as placement
from kezek.placement.models import Enrollment
from kezek.translog.public import public_data
from tests.factories import OrganisationFactory

from .conftest import ROUND_DAY, Kindergarten

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_agrees")]


def offer(k: Kindergarten, *wanted: Kindergarten, **fields: object) -> ExchangeOffer:
    return services.offer_make(
        applicant=k.parent,
        enrollment_id=k.enrollment.pk,
        kindergartens=[w.organisation.pk for w in wanted],
        **fields,  # type: ignore[arg-type]
    )


def counts() -> tuple[int, int, int]:
    return ExchangeOffer.objects.count(), ExchangeChoice.objects.count(), LedgerEvent.objects.count()


def group_of(k: Kindergarten) -> int:
    return Enrollment.objects.get(pk=k.enrollment.pk).group_id


def test_an_offer_names_kindergartens_only(three: list[Kindergarten], on_round_day: object) -> None:
    """E70–E71: the offer, its ranked kindergartens and its public event — with no child and no family."""
    a, b, c = three
    made = offer(a, c, b)
    assert (made.group_id, made.age_from, made.age_to, made.language) == (a.group.pk, 2, 3, "kk")
    assert list(made.choices.values_list("organisation_id", flat=True)) == [
        c.organisation.pk,
        b.organisation.pk,
    ]
    event = LedgerEvent.objects.get(kind="exchange_offer.made")
    assert event.payload["enrollment"] == a.enrollment.pk
    public = public_data("exchange_offer.made", event.payload)
    assert "enrollment" not in public
    assert "applicant" not in public
    assert public["kindergartens"] == [c.organisation.pk, b.organisation.pk]


@pytest.mark.parametrize(
    ("case", "error", "code"),
    [
        ("other_family", NotFound, "enrollment_not_found"),
        ("left", ValidationFailed, "not_enrolled"),
        ("own_kindergarten", ValidationFailed, "own_kindergarten"),
        ("age", ValidationFailed, "age_mismatch"),
        ("unknown", ValidationFailed, "kindergarten_unknown"),
        ("none", ValidationFailed, "choices"),
        ("language", ValidationFailed, "language_invalid"),
    ],
)
def test_bad_offers_write_nothing(
    three: list[Kindergarten], on_round_day: object, case: str, error: type[Exception], code: str
) -> None:
    """E72: each refused with its code, nothing written."""
    a, b, _c = three
    if case == "left":
        placement.enrollment_depart(enrollment=a.enrollment, by_staff=a.head, reason="moved away")
    other = OrganisationFactory.create()  # of another locality
    arguments: dict[str, object] = {
        "applicant": b.parent if case == "other_family" else a.parent,
        "enrollment_id": a.enrollment.pk,
        "kindergartens": {
            "own_kindergarten": [b.organisation.pk, a.organisation.pk],
            "unknown": [other.pk],
            "none": [],
        }.get(case, [b.organisation.pk]),
    }
    if case == "age":
        arguments.update(age_from=4, age_to=5)
    if case == "language":
        arguments["language"] = "xx"
    before = counts()
    with pytest.raises(error) as caught:
        services.offer_make(**arguments)  # type: ignore[arg-type]
    assert caught.value.code == code  # type: ignore[attr-defined]
    assert counts() == before


def test_one_live_offer_per_child_and_withdrawal(three: list[Kindergarten], on_round_day: object) -> None:
    a, b, _c = three
    first = offer(a, b)
    before = counts()
    with pytest.raises(Conflict) as caught:
        offer(a, b)
    assert caught.value.code == "offer_exists"
    assert counts() == before
    services.offer_withdraw(applicant=a.parent, offer_id=first.pk)
    assert offer(a, b).status == "open"
    with pytest.raises(NotFound):
        services.offer_withdraw(applicant=b.parent, offer_id=first.pk)


def test_a_three_cycle_is_proposed_accepted_and_moves_everyone(three: list[Kindergarten]) -> None:
    """E73–E76: A wants B, B wants C, C wants A: one exchange of three; each receiving head accepts; the
    last acceptance moves the three children at once; the seats stay as they were (P1)."""
    a, b, c = three
    with time_machine.travel(ROUND_DAY - dt.timedelta(days=3), tick=False):
        offer(a, b)
        offer(b, c)
        offer(c, a)
    with time_machine.travel(ROUND_DAY, tick=False):
        seats = {k.group.pk: placement_selectors.unaccounted_seats(group=k.group) for k in three}
        assert tick_run()["exchange.rounds"] == 1
        assert tick_run()["exchange.rounds"] == 0  # idempotent: one round a week
        (exchange,) = Exchange.objects.all()
        assert (exchange.length, exchange.status) == (3, "proposed")
        assert exchange.accept_until == dt.datetime(
            2026, 12, 11, 0, 0, tzinfo=ROUND_DAY.tzinfo
        )  # 3 working days
        for k in (a, b):
            services.exchange_decide(
                exchange_id=exchange.pk, organisation_id=k.organisation.pk, by_staff=k.head, accept=True
            )
        assert group_of(a) == a.group.pk  # nobody moved yet
        before = counts()
        with pytest.raises(Conflict) as caught:
            services.exchange_decide(
                exchange_id=exchange.pk, organisation_id=a.organisation.pk, by_staff=a.head, accept=True
            )
        assert caught.value.code == "decided"
        assert counts() == before
        services.exchange_decide(
            exchange_id=exchange.pk, organisation_id=c.organisation.pk, by_staff=c.head, accept=True
        )
    exchange.refresh_from_db()
    assert exchange.status == "completed"
    assert (group_of(a), group_of(b), group_of(c)) == (b.group.pk, c.group.pk, a.group.pk)
    assert set(ExchangeOffer.objects.values_list("status", flat=True)) == {"exchanged"}
    assert {k.group.pk: placement_selectors.unaccounted_seats(group=k.group) for k in three} == seats
    assert (
        LedgerEvent.objects.filter(kind="enrollment.transferred", payload__exchange=exchange.pk).count() == 3
    )


def test_a_decline_drops_the_cycle_and_the_round_runs_again_without_it(three: list[Kindergarten]) -> None:
    """E75: A and B want each other (B also C), C wants A. The pair is proposed; A's head declines B's
    child; the re-run bars that step and finds A → B → C → A."""
    a, b, c = three
    with time_machine.travel(ROUND_DAY - dt.timedelta(days=3), tick=False):
        offer(a, b)
        offer(b, a, c)
        offer(c, a)
    with time_machine.travel(ROUND_DAY, tick=False):
        tick_run()
        (pair,) = Exchange.objects.all()
        assert pair.length == 2
        with pytest.raises(NotFound):  # C receives nobody in this exchange: not its exchange (E74)
            services.exchange_decide(
                exchange_id=pair.pk, organisation_id=c.organisation.pk, by_staff=c.head, accept=False
            )
        services.exchange_decide(
            exchange_id=pair.pk, organisation_id=a.organisation.pk, by_staff=a.head, accept=False
        )
        pair.refresh_from_db()
        assert (pair.status, pair.dropped) == ("dropped", "declined")
        assert tick_run()["exchange.rounds"] == 1  # the re-run
        cycle = Exchange.objects.get(status="proposed")
        assert (cycle.length, cycle.run) == (3, 2)
        assert ExchangeRound.objects.get().runs == 2


def test_a_lapsed_exchange_is_dropped_and_a_late_acceptance_refused(three: list[Kindergarten]) -> None:
    """E74: after the deadline no head decides (409, nothing written); the sweep drops the exchange."""
    a, b, _c = three
    with time_machine.travel(ROUND_DAY - dt.timedelta(days=3), tick=False):
        offer(a, b)
        offer(b, a)
    with time_machine.travel(ROUND_DAY, tick=False):
        tick_run()
    exchange = Exchange.objects.get()
    with time_machine.travel(exchange.accept_until, tick=False):
        before = counts()
        with pytest.raises(Conflict) as caught:
            services.exchange_decide(
                exchange_id=exchange.pk, organisation_id=a.organisation.pk, by_staff=a.head, accept=True
            )
        assert caught.value.code == "deadline_passed"
        assert counts() == before
        tick_run()
    exchange.refresh_from_db()
    assert (exchange.status, exchange.dropped) == ("dropped", "lapsed")
    # The re-run bars both unanswered steps: the pair is not proposed again.
    assert Exchange.objects.count() == 1
    assert set(ExchangeOffer.objects.values_list("status", flat=True)) == {"open"}


def test_a_child_who_left_voids_the_exchange(three: list[Kindergarten]) -> None:
    a, b, _c = three
    with time_machine.travel(ROUND_DAY - dt.timedelta(days=3), tick=False):
        offer(a, b)
        offer(b, a)
    with time_machine.travel(ROUND_DAY, tick=False):
        tick_run()
        exchange = Exchange.objects.get()
        placement.enrollment_depart(enrollment=b.enrollment, by_staff=b.head, reason="moved away")
        for k in (a, b):
            services.exchange_decide(
                exchange_id=exchange.pk, organisation_id=k.organisation.pk, by_staff=k.head, accept=True
            )
    exchange.refresh_from_db()
    assert (exchange.status, exchange.dropped) == ("dropped", "void")
    assert group_of(a) == a.group.pk
