"""Writes of place exchange (E70–E79). Each service is one transaction with its ledger events.

A parent offers the seat of their enrolled child (E70–E72); the weekly round of a locality finds the
trading cycles (E73, `ttc`); each receiving head accepts before the deadline (E74); a declined, lapsed or
void exchange is dropped and its round runs again without the refused steps (E75); the last acceptance
moves every child of the cycle in its transaction, through placement's `enrollment_move` (E76).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.bulk import table_writer
from kezek.core.errors import Conflict, NotFound, ValidationFailed
from kezek.core.workdays import add_working_days
from kezek.facilities.locks import group_lock, groups_lock
from kezek.facilities.models import Group, Language, Locality, Organisation
from kezek.ledger.services import EventSpec, ledger_append, ledger_append_many
from kezek.placement import locks as placement_locks
from kezek.placement import selectors as placement_selectors
from kezek.placement.models import Enrollment
from kezek.placement.services import enrollment_move
from kezek.waitlist.models import Applicant

from . import locks, selectors
from .models import CHOICES_MAX, Exchange, ExchangeChoice, ExchangeMove, ExchangeOffer, ExchangeRound
from .ttc import Agent, top_trading_cycles

ACCEPT_WORKING_DAYS = 3  # E74: the heads accept by the end of the third working day after the proposal
SWEEP_LIMIT = 500
Offer = ExchangeOffer.Status


def _offer_event(kind: str, offer: ExchangeOffer, **payload: object) -> None:
    ledger_append(
        kind=kind,
        subject_type="exchange_offer",
        subject_id=str(offer.pk),
        locality_code=offer.locality.code,
        payload={"offer": offer.pk, "status": offer.status, **payload},
    )


def _exchange_spec(kind: str, exchange: Exchange, locality: Locality, **payload: object) -> EventSpec:
    return EventSpec(
        kind=kind,
        subject_type="exchange",
        subject_id=str(exchange.pk),
        locality_code=locality.code,
        payload={"exchange": exchange.pk, "round": exchange.round_id, "status": exchange.status, **payload},
    )


# --- offers (E70–E72) -------------------------------------------------------------------------------


def _wanted_group(group: Group, age_from: int, age_to: int) -> Group:
    """An unsaved group of the wanted ages, to ask placement whether the child fits them (P3)."""
    return Group(
        organisation=group.organisation, age_from=age_from, age_to=age_to, academic_year=group.academic_year
    )


def _kindergartens_checked(ranked: Sequence[int], *, group: Group) -> list[int]:
    ranked = list(ranked)
    if not 1 <= len(ranked) <= CHOICES_MAX or len(set(ranked)) != len(ranked):
        raise ValidationFailed(
            _("Rank from 1 to %(max)d different kindergartens.") % {"max": CHOICES_MAX}, code="choices"
        )
    if group.organisation_id in ranked:
        raise ValidationFailed(
            _("Your child already attends this kindergarten: choose other kindergartens."),
            code="own_kindergarten",
        )
    known = Organisation.objects.filter(
        pk__in=ranked, locality_id=group.organisation.locality_id, is_active=True
    ).count()
    if known != len(ranked):
        raise ValidationFailed(
            _("Choose kindergartens of your locality from the list."), code="kindergarten_unknown"
        )
    return ranked


def offer_make(
    *,
    applicant: Applicant,
    enrollment_id: int,
    kindergartens: Sequence[int],
    age_from: int | None = None,
    age_to: int | None = None,
    language: str | None = None,
) -> ExchangeOffer:
    """E70–E72: the parent offers their enrolled child's seat and ranks the kindergartens they accept.
    The wanted group's ages and language default to the child's group's; the child must fit them."""
    enrollment = selectors.enrollment_of(applicant=applicant, pk=enrollment_id)
    with transaction.atomic():
        group = group_lock(enrollment.group_id)
        enrollment = placement_locks.enrollment_lock(enrollment.pk)
        if (
            enrollment.left_on is not None
            or enrollment.group_id != group.pk
            or enrollment.direction_id is None
        ):
            raise ValidationFailed(
                _("Only a child enrolled in a kindergarten through the queue can offer an exchange."),
                code="not_enrolled",
            )
        if group.kind != Group.Kind.GENERAL:
            raise ValidationFailed(
                _("Seats of correctional and sanatorium groups are not exchanged."), code="special_group"
            )
        ranked = _kindergartens_checked(kindergartens, group=group)
        age_from = group.age_from if age_from is None else age_from
        age_to = group.age_to if age_to is None else age_to
        language = language or group.language
        if language not in Language.values:
            raise ValidationFailed(_("Choose the language from the list."), code="language_invalid")
        if not 0 <= age_from < age_to <= 8 or not placement_selectors.child_fits_group(
            birth_date=enrollment.child.birth_date,
            group=_wanted_group(group, age_from, age_to),
            on=clock.today(),
        ):
            raise ValidationFailed(_("Your child's age does not fit this age range."), code="age_mismatch")
        try:
            with transaction.atomic():
                offer = ExchangeOffer.objects.create(
                    enrollment=enrollment,
                    applicant=applicant,
                    group=group,
                    locality=group.organisation.locality,
                    age_from=age_from,
                    age_to=age_to,
                    language=language,
                    created_at=clock.now(),
                )
        except IntegrityError as exc:
            raise Conflict(
                _("Your child already has an exchange offer: withdraw it first."), code="offer_exists"
            ) from exc
        ExchangeChoice.objects.bulk_create(
            ExchangeChoice(offer=offer, organisation_id=pk, rank=rank) for rank, pk in enumerate(ranked, 1)
        )
        _offer_event(
            "exchange_offer.made",
            offer,
            enrollment=enrollment.pk,
            group=group.pk,
            organisation=group.organisation_id,
            age_from=age_from,
            age_to=age_to,
            language=language,
            kindergartens=ranked,
        )
    return offer


def offer_withdraw(*, applicant: Applicant, offer_id: int) -> ExchangeOffer:
    """E72: the parent withdraws an offer waiting for a round (not one in a proposed exchange)."""
    selectors.offer_of(applicant=applicant, pk=offer_id)
    with transaction.atomic():
        offer = locks.offer_lock(offer_id)
        if offer.status != Offer.OPEN:
            raise Conflict(_("Only an offer waiting for a round can be withdrawn."), code="status")
        offer.status, offer.closed_at = Offer.WITHDRAWN, clock.now()
        offer.save(update_fields=["status", "closed_at"])
        _offer_event("exchange_offer.withdrawn", offer)
    return offer


def offers_void_stale(*, limit: int = SWEEP_LIMIT) -> int:
    """E72: an open offer whose child left or moved group meanwhile is void (the sweep)."""
    stale = (
        ExchangeOffer.objects.filter(status=Offer.OPEN)
        .exclude(enrollment__left_on__isnull=True, enrollment__group_id=F("group_id"))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    voided = 0
    for pk in list(stale):
        with transaction.atomic():
            offer = locks.offer_lock(pk)
            if offer.status != Offer.OPEN:
                continue
            offer.status, offer.closed_at = Offer.VOID, clock.now()
            offer.save(update_fields=["status", "closed_at"])
            _offer_event("exchange_offer.voided", offer)
        voided += 1
    return voided


# --- rounds (E73, E75) --------------------------------------------------------------------------------


def _deadline(now: dt.datetime) -> dt.datetime:
    today = now.astimezone(clock.local_tz()).date()
    return placement_selectors.end_of_day(add_working_days(today, ACCEPT_WORKING_DAYS))


def exchange_round_run(*, locality: Locality) -> ExchangeRound | None:
    """E73: this week's round of the locality — once (None when it ran already this week)."""
    now = clock.now()
    week = selectors.week_of(now.astimezone(clock.local_tz()).date())
    with transaction.atomic():
        locality = locks.locality_lock(locality.pk)
        if ExchangeRound.objects.filter(locality=locality, week=week).exists():
            return None
        round_ = ExchangeRound.objects.create(locality=locality, week=week, started_at=now)
        _clear(round_, now=now)
    return round_


def _agents(round_: ExchangeRound) -> tuple[list[Agent], dict[int, tuple[int, int, int, str, dt.date]]]:
    """The round's pool (E73): the locality's open offers made before the round started whose child is
    still in the offered group, as TTC agents; and per offer (its group, wanted ages and language, birth
    date). A step its head declined, or left unanswered until the deadline, in this round is barred (E75)."""
    rows = list(
        ExchangeOffer.objects.filter(
            locality_id=round_.locality_id,
            status=Offer.OPEN,
            created_at__lte=round_.started_at,
            enrollment__left_on__isnull=True,
            enrollment__group_id=F("group_id"),
        )
        .order_by()
        .values_list(
            "pk",
            "created_at",
            "group_id",
            "group__organisation_id",
            "age_from",
            "age_to",
            "language",
            "enrollment__child__birth_date",
        )
    )
    ranks: dict[int, list[int]] = defaultdict(list)
    choices = ExchangeChoice.objects.filter(
        offer__locality_id=round_.locality_id, offer__status=Offer.OPEN
    ).order_by("offer_id", "rank")
    for offer_id, organisation_id in choices.values_list("offer_id", "organisation_id").iterator(5000):
        ranks[offer_id].append(organisation_id)
    barred: dict[int, set[int]] = defaultdict(set)
    refused = ExchangeMove.objects.filter(exchange__round=round_).filter(
        Q(decision=ExchangeMove.Decision.DECLINED)
        | Q(decision=ExchangeMove.Decision.PENDING, exchange__dropped=Exchange.Dropped.LAPSED)
    )
    for offer_id, seat_id in refused.values_list("offer_id", "seat_id"):
        barred[offer_id].add(seat_id)
    agents = [
        Agent(
            id=pk,
            order=(created_at,),
            group=group_id,
            kindergarten=organisation_id,
            ranks=tuple(ranks[pk]),
            barred=frozenset(barred[pk]),
        )
        for pk, created_at, group_id, organisation_id, *_rest in rows
    ]
    wanted = {row[0]: (row[2], row[4], row[5], row[6], row[7]) for row in rows}
    return agents, wanted


def _clear(round_: ExchangeRound, *, now: dt.datetime) -> int:
    """Run TTC over the round's pool and propose its cycles (E73): each an exchange whose receiving heads
    decide by the deadline (E74). The round's run and every proposal are ledger events. Returns how many
    exchanges it proposed."""
    agents, wanted = _agents(round_)
    locality = round_.locality
    settings = placement_selectors.placement_settings(locality=locality)
    groups = {
        group.pk: group
        for group in Group.objects.filter(
            organisation__locality=locality, is_active=True, kind=Group.Kind.GENERAL
        )
    }
    today = now.astimezone(clock.local_tz()).date()

    def fits(agent: Agent, group_id: int) -> bool:
        """E72: the receiving group has the ages and language the offer wants, and the child fits it."""
        group = groups.get(group_id)
        _own, age_from, age_to, language, birth = wanted[agent.id]
        return (
            group is not None
            and (group.age_from, group.age_to, group.language) == (age_from, age_to, language)
            and placement_selectors.child_fits_group(
                birth_date=birth, group=group, on=today, settings=settings
            )
        )

    cycles = top_trading_cycles(agents, fits)
    accept_until = _deadline(now)
    # Thousands of rows in a regional round: written in bulk (COPY on PostgreSQL), as the ledger is.
    writer = table_writer()
    ids = writer.allocate_ids(Exchange, len(cycles))
    writer.insert(
        Exchange,
        ("id", "round_id", "run", "length", "status", "dropped", "proposed_at", "accept_until", "closed_at"),
        (
            (pk, round_.pk, round_.runs, len(cycle), Exchange.Status.PROPOSED, "", now, accept_until, None)
            for pk, cycle in zip(ids, cycles, strict=True)
        ),
    )
    steps = {
        pk: [(offer, cycle[(i + 1) % len(cycle)]) for i, offer in enumerate(cycle)]
        for pk, cycle in zip(ids, cycles, strict=True)
    }
    writer.insert(
        ExchangeMove,
        (
            "exchange_id",
            "offer_id",
            "seat_id",
            "from_group_id",
            "to_group_id",
            "position",
            "decision",
            "live",
        ),
        (
            (pk, offer, seat, wanted[offer][0], wanted[seat][0], i, ExchangeMove.Decision.PENDING, True)
            for pk, pairs in steps.items()
            for i, (offer, seat) in enumerate(pairs)
        ),
    )
    this_run = ExchangeMove.objects.filter(exchange__round=round_, exchange__run=round_.runs, live=True)
    ExchangeOffer.objects.filter(pk__in=this_run.values("offer_id"), status=Offer.OPEN).update(
        status=Offer.PROPOSED
    )
    round_.offers = len(agents)
    round_.save(update_fields=["offers"])
    lengths: dict[str, int] = defaultdict(int)
    for cycle in cycles:
        lengths[str(len(cycle))] += 1
    events = [
        EventSpec(
            kind="exchange_round.run",
            subject_type="exchange_round",
            subject_id=str(round_.pk),
            locality_code=locality.code,
            payload={
                "round": round_.pk,
                "week": round_.week,
                "run": round_.runs,
                "offers": len(agents),
                "exchanges": ids,
                "cycles_by_length": dict(sorted(lengths.items())),
            },
        )
    ]
    events += [
        EventSpec(
            kind="exchange.proposed",
            subject_type="exchange",
            subject_id=str(pk),
            locality_code=locality.code,
            payload={
                "exchange": pk,
                "round": round_.pk,
                "status": Exchange.Status.PROPOSED,
                "run": round_.runs,
                "length": len(pairs),
                "accept_until": accept_until,
                "moves": [[offer, seat, wanted[offer][0], wanted[seat][0]] for offer, seat in pairs],
            },
        )
        for pk, pairs in steps.items()
    ]
    ledger_append_many(events=events)
    return len(ids)


def rounds_start_due() -> int:
    """E73: this week's round in every locality with at least two open offers and no round yet."""
    week = selectors.week_of(clock.today())
    localities = (
        ExchangeOffer.objects.filter(status=Offer.OPEN)
        .exclude(locality__exchange_rounds__week=week)
        .values("locality_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("locality_id")
        .values_list("locality_id", flat=True)
    )
    started = 0
    for locality in Locality.objects.filter(pk__in=list(localities)).order_by("pk"):
        started += exchange_round_run(locality=locality) is not None
    return started


def rounds_rerun_due() -> int:
    """E75: a round with a dropped exchange runs again over its pool, without the refused steps."""
    rerun = 0
    for pk, locality_id in (
        ExchangeRound.objects.filter(rerun_due=True).order_by("pk").values_list("pk", "locality_id")
    ):
        with transaction.atomic():
            locks.locality_lock(locality_id)
            round_ = locks.round_lock(pk)
            if not round_.rerun_due:
                continue
            round_.runs += 1
            round_.rerun_due = False
            round_.save(update_fields=["runs", "rerun_due"])
            _clear(round_, now=clock.now())
        rerun += 1
    return rerun


# --- the heads' decisions and the moves (E74–E76) ---------------------------------------------------------


def _drop(exchange: Exchange, reason: str, *, moves: list[ExchangeMove]) -> None:
    """E75: the exchange is dropped, its offers wait again, its round runs again (the sweep)."""
    now = clock.now()
    exchange.status, exchange.dropped, exchange.closed_at = Exchange.Status.DROPPED, reason, now
    exchange.save(update_fields=["status", "dropped", "closed_at"])
    ExchangeMove.objects.filter(exchange=exchange).update(live=False)
    offers = [move.offer_id for move in moves]
    ExchangeOffer.objects.filter(pk__in=offers, status=Offer.PROPOSED).update(status=Offer.OPEN)
    ExchangeRound.objects.filter(pk=exchange.round_id).update(rerun_due=True)
    ledger_append_many(
        events=[
            _exchange_spec(
                "exchange.dropped", exchange, exchange.round.locality, reason=reason, offers=offers
            )
        ]
    )


def _still_fits(move: ExchangeMove, enrollment: Enrollment, groups: dict[int, Group]) -> bool:
    offer, target = move.offer, groups[move.to_group_id]
    return (
        enrollment.left_on is None
        and enrollment.group_id == move.from_group_id
        and target.is_active
        and (target.age_from, target.age_to, target.language)
        == (offer.age_from, offer.age_to, offer.language)
        and placement_selectors.child_fits_group(
            birth_date=enrollment.child.birth_date, group=target, on=clock.today()
        )
    )


def _complete(
    exchange: Exchange, moves: list[ExchangeMove], groups: dict[int, Group], by_staff: User
) -> None:
    """E76: every child of the cycle moves in this transaction. Each group gives as many seats as it
    receives, so no seat is published or taken (P1 holds); a child who left or no longer fits voids it."""
    enrollments = {
        move.offer.enrollment_id: placement_locks.enrollment_lock(move.offer.enrollment_id)
        for move in sorted(moves, key=lambda m: m.offer.enrollment_id)
    }
    if not all(_still_fits(m, enrollments[m.offer.enrollment_id], groups) for m in moves):
        _drop(exchange, Exchange.Dropped.VOID, moves=moves)
        return
    for move in moves:
        enrollment_move(
            enrollment=enrollments[move.offer.enrollment_id],
            source=groups[move.from_group_id],
            target=groups[move.to_group_id],
            place=None,
            by_staff=by_staff,
            exchange=exchange.pk,
        )
    now = clock.now()
    exchange.status, exchange.closed_at = Exchange.Status.COMPLETED, now
    exchange.save(update_fields=["status", "closed_at"])
    ExchangeMove.objects.filter(exchange=exchange).update(live=False)
    offers = [move.offer_id for move in moves]
    ExchangeOffer.objects.filter(pk__in=offers).update(status=Offer.EXCHANGED, closed_at=now)
    ledger_append_many(
        events=[_exchange_spec("exchange.completed", exchange, exchange.round.locality, offers=offers)]
    )


def exchange_decide(*, exchange_id: int, organisation_id: int, by_staff: User, accept: bool) -> Exchange:
    """E74: the head of a receiving kindergarten accepts or declines its children of the exchange, before
    the deadline. A decline drops the exchange (E75); the last acceptance completes it (E76)."""
    moves = list(
        ExchangeMove.objects.filter(exchange_id=exchange_id)
        .select_related("offer", "to_group")
        .order_by("position")
    )
    mine = [move for move in moves if move.to_group.organisation_id == organisation_id]
    if not mine:  # another kindergarten's exchange answers like a missing one (E74)
        raise NotFound(_("No such exchange."), code="exchange_not_found")
    with transaction.atomic():
        groups = groups_lock({g for m in moves for g in (m.from_group_id, m.to_group_id)}) if accept else {}
        exchange = locks.exchange_lock(exchange_id)
        if exchange.status != Exchange.Status.PROPOSED:
            raise Conflict(_("This exchange is no longer waiting for a decision."), code="status")
        if selectors.is_due(exchange):
            raise Conflict(_("The deadline to decide on this exchange has passed."), code="deadline_passed")
        decided = ExchangeMove.objects.filter(
            pk__in=[m.pk for m in mine], decision=ExchangeMove.Decision.PENDING
        )
        decision = ExchangeMove.Decision.ACCEPTED if accept else ExchangeMove.Decision.DECLINED
        if decided.update(decision=decision, decided_at=clock.now(), decided_by=by_staff) != len(mine):
            raise Conflict(_("Your kindergarten has already decided on this exchange."), code="decided")
        ledger_append_many(
            events=[
                _exchange_spec(
                    "exchange.decided",
                    exchange,
                    exchange.round.locality,
                    organisation=organisation_id,
                    decision=decision,
                    by=by_staff.pk,
                )
            ]
        )
        if not accept:
            _drop(exchange, Exchange.Dropped.DECLINED, moves=moves)
        elif not ExchangeMove.objects.filter(exchange=exchange).exclude(decision=decision).exists():
            _complete(exchange, moves, groups, by_staff)
    return exchange


def exchanges_lapse_due(*, limit: int = SWEEP_LIMIT) -> int:
    """E74–E75: an exchange not accepted by its deadline is dropped (the sweep)."""
    due = Exchange.objects.filter(status=Exchange.Status.PROPOSED, accept_until__lte=clock.now())
    lapsed = 0
    for pk in list(due.order_by("accept_until", "pk").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            exchange = locks.exchange_lock(pk)
            if exchange.status != Exchange.Status.PROPOSED:
                continue
            _drop(exchange, Exchange.Dropped.LAPSED, moves=list(exchange.moves.all()))
        lapsed += 1
    return lapsed


def exchange_sweep() -> int:
    """The `tick` sweep (E77): void stale offers, drop lapsed exchanges, run dropped exchanges' rounds
    again, start this week's rounds. Idempotent; safe to run concurrently with itself."""
    return offers_void_stale() + exchanges_lapse_due() + rounds_rerun_due() + rounds_start_due()
