"""Reads of place exchange (E70–E79): a parent's enrolled children and offers, a head's proposals, the
public protocol."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import NotFound
from kezek.facilities.models import Group
from kezek.placement.models import Enrollment
from kezek.records.selectors import own_child_ids
from kezek.waitlist.models import Applicant

from .models import Exchange, ExchangeMove, ExchangeOffer


def week_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s week: a round's week (E73)."""
    return day - dt.timedelta(days=day.weekday())


def enrollments_of(*, applicant: Applicant) -> QuerySet[Enrollment]:
    """The current enrolments of the parent's own children (E70)."""
    return (
        Enrollment.objects.filter(child_id__in=own_child_ids(applicant), left_on__isnull=True)
        .select_related("child", "group__organisation")
        .order_by("pk")
    )


def enrollment_of(*, applicant: Applicant, pk: int) -> Enrollment:
    """One enrolment of the parent's own child (current or not); another family's looks like a missing one."""
    found = (
        Enrollment.objects.filter(child_id__in=own_child_ids(applicant), pk=pk)
        .select_related("child", "group__organisation__locality")
        .first()
    )
    if found is None:
        raise NotFound(_("No such enrolment of your child."), code="enrollment_not_found")
    return found


def offers_of(*, applicant: Applicant) -> QuerySet[ExchangeOffer]:
    """The parent's offers, newest first, with their kindergartens and moves."""
    moves = ExchangeMove.objects.select_related("exchange", "to_group__organisation").order_by("-exchange_id")
    return (
        ExchangeOffer.objects.filter(enrollment__child_id__in=own_child_ids(applicant))
        .select_related("enrollment__child", "group__organisation")
        .prefetch_related("choices__organisation", Prefetch("moves", queryset=moves))
        .order_by("-created_at", "-pk")
    )


def offer_of(*, applicant: Applicant, pk: int) -> ExchangeOffer:
    found = offers_of(applicant=applicant).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such exchange offer."), code="offer_not_found")
    return found


def proposals_for(*, organisation_id: int) -> QuerySet[Exchange]:
    """The exchanges that move a child into this kindergarten, newest first (E74)."""
    return (
        Exchange.objects.filter(moves__to_group__organisation_id=organisation_id)
        .distinct()
        .prefetch_related(
            Prefetch(
                "moves",
                queryset=ExchangeMove.objects.select_related(
                    "from_group__organisation", "to_group__organisation", "offer__enrollment__child"
                ),
            )
        )
        .select_related("round")
        .order_by("-proposed_at", "-pk")
    )


@dataclass(frozen=True)
class ProtocolStep:
    from_group: Group
    to_group: Group


def protocol(
    *, locality_id: int | None = None, limit: int = 200
) -> list[tuple[Exchange, list[ProtocolStep]]]:
    """E78: the completed exchanges, newest first — round, cycle, kindergartens and groups; no child."""
    exchanges = Exchange.objects.filter(status=Exchange.Status.COMPLETED).select_related("round__locality")
    if locality_id is not None:
        exchanges = exchanges.filter(round__locality_id=locality_id)
    moves = ExchangeMove.objects.select_related("from_group__organisation", "to_group__organisation")
    rows = exchanges.prefetch_related(Prefetch("moves", queryset=moves)).order_by("-closed_at", "-pk")
    return [(e, [ProtocolStep(m.from_group, m.to_group) for m in e.moves.all()]) for e in rows[:limit]]


def is_due(exchange: Exchange) -> bool:
    """Whether the heads' deadline has passed (E74): no decision is taken after it, swept or not."""
    return clock.now() >= exchange.accept_until
