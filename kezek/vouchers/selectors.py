"""Reads of vouchers (E30–E39). Deadlines are data swept by `tick`; the reads never wait for the sweep: a
voucher past its deadline reads as lapsed (E32, E35), its restoration deadline is computed (E33)."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import NotFound
from kezek.facilities.models import Group, Locality, Organisation
from kezek.placement import selectors as placement
from kezek.placement.models import Place, Policy
from kezek.waitlist import ordering
from kezek.waitlist.models import Applicant, Application, Tier
from kezek.waitlist.selectors import priority_ratio

from .models import LIVE_VOUCHER_STATES, Voucher

State = Voucher.State
RESTORE_DAYS = 28  # E33: calendar days after the lapse


def voucher_state(voucher: Voucher, *, now: dt.datetime | None = None) -> str:
    """The state as it is now: an unconfirmed voucher past its 2 working days (E32), or a confirmed one past
    its contract deadline (E35), is lapsed even before the sweep."""
    now = now or clock.now()
    if voucher.state == State.ISSUED and voucher.confirm_until <= now:
        return State.LAPSED
    if voucher.state == State.CONFIRMED and voucher.contract_until and voucher.contract_until <= now:
        return State.LAPSED
    return str(voucher.state)


def lapse_deadline(voucher: Voucher) -> dt.datetime:
    """The deadline whose passing lapses the voucher: confirmation (E32), else the contract (E35)."""
    if voucher.confirmed_at is None or voucher.contract_until is None:
        return voucher.confirm_until
    return voucher.contract_until


def restore_until(voucher: Voucher) -> dt.datetime:
    """E33: a lapsed voucher's application can be restored until 28 calendar days after the deadline."""
    return voucher.restore_until or lapse_deadline(voucher) + dt.timedelta(days=RESTORE_DAYS)


def voucher_policy(*, locality: Locality) -> bool:
    return placement.placement_settings(locality=locality).distribution_policy == Policy.VOUCHER


def places_for_vouchers(*, now: dt.datetime) -> Q:
    """The open places a voucher may take: no priority window runs on them (E30; a place published before
    the locality took the voucher policy keeps its holders until its window ends, P2)."""
    return Q(status=Place.Status.OPEN, group__is_active=True, publication__priority_until__lte=now)


def live_vouchers(*, locality: Locality, now: dt.datetime) -> QuerySet[Voucher]:
    """Vouchers that cover a free place now (E31): issued or confirmed, before their deadline, of a queued
    application. A waiting one waits for a seat of its own kindergarten and covers none elsewhere."""
    return Voucher.objects.filter(
        Q(state=State.ISSUED, confirm_until__gt=now) | Q(state=State.CONFIRMED, contract_until__gt=now),
        locality=locality,
        application__status=Application.Status.QUEUED,
    )


def uncovered_places(*, locality: Locality, now: dt.datetime) -> int:
    """E31: the locality's free places not yet covered by a live voucher."""
    free = Place.objects.filter(places_for_vouchers(now=now), group__organisation__locality=locality).count()
    return free - live_vouchers(locality=locality, now=now).count()


def next_in_line(*, locality: Locality, limit: int, on: dt.date) -> list[Application]:
    """E31: the first `limit` applications in queue order (Q4) across the locality that fit (P3) at least
    one group with free places and hold no voucher yet — each tier's heads of every such group
    (`placement.selectors.eligible_applications`), merged, interleaved as P2's line."""
    now = clock.now()
    groups = Group.objects.filter(
        pk__in=Place.objects.filter(
            places_for_vouchers(now=now), group__organisation__locality=locality
        ).values("group_id")
    ).select_related("organisation__locality")
    holding = Voucher.objects.filter(state__in=[State.ISSUED, State.CONFIRMED, State.WAITING]).values(
        "application_id"
    )
    heads: dict[str, dict[int, Application]] = {tier: {} for tier in ordering.TIERS}
    for group in groups:
        eligible = placement.eligible_applications(group=group, on=on).exclude(pk__in=holding)
        for tier in ordering.TIERS:
            for application in eligible.filter(tier=tier).order_by("registered_at", "pk")[:limit]:
                heads[tier][application.pk] = application
    ordered = {
        tier: sorted(found.values(), key=lambda a: (a.registered_at, a.pk))[:limit]
        for tier, found in heads.items()
    }
    line = ordering.interleave(
        extraordinary=ordered[Tier.EXTRAORDINARY],
        first_priority=[((a.registered_at, a.pk), a) for a in ordered[Tier.FIRST_PRIORITY]],
        general=[((a.registered_at, a.pk), a) for a in ordered[Tier.GENERAL]],
        ratio=priority_ratio(locality_id=locality.pk),
    )
    return line[:limit]


def fitting_groups(*, application: Application, organisation: Organisation, on: dt.date) -> list[Group]:
    """The organisation's active groups the application may take a place of on `on` (P3), by id."""
    groups = Group.objects.filter(organisation=organisation, is_active=True).select_related(
        "organisation__locality"
    )
    return [
        group
        for group in groups.order_by("pk")
        if placement.eligible_applications(group=group, on=on).filter(pk=application.pk).exists()
    ]


def contract_batch(*, application: Application, now: dt.datetime) -> tuple[list[Application], list[int]]:
    """E34 (P6): the applications that sign a contract together — this one, then its queued twins and
    siblings registered with it (`placement.selectors.sibling_batch`), less a sibling whose voucher reads
    lapsed (the sweep makes it inactive) — and the live vouchers of those siblings."""
    batch = placement.sibling_batch(application=application)
    siblings = Voucher.objects.filter(application__in=batch[1:], state__in=LIVE_VOUCHER_STATES)
    lapsed = {v.application_id for v in siblings if voucher_state(v, now=now) == State.LAPSED}
    live = [v.pk for v in siblings if v.application_id not in lapsed]
    return [a for a in batch if a.pk not in lapsed], live


def vouchers_of(*, applicant: Applicant) -> QuerySet[Voucher]:
    """A parent's own vouchers, newest first (never another family's)."""
    return Voucher.objects.filter(application__applicant=applicant).select_related(
        "application__child", "waiting_organisation", "direction__group__organisation"
    )


def voucher_of(*, applicant: Applicant, number: int) -> Voucher:
    """One of the parent's own vouchers, or 404 (another family's is not found either)."""
    voucher = vouchers_of(applicant=applicant).filter(pk=number).first()
    if voucher is None:
        raise NotFound(_("Voucher not found."))
    return voucher


def organisations_with_places(*, voucher: Voucher, now: dt.datetime | None = None) -> list[Organisation]:
    """The kindergartens of the voucher's locality with a free place of a group the child fits (E34)."""
    now = now or clock.now()
    groups = Group.objects.filter(
        pk__in=Place.objects.filter(
            places_for_vouchers(now=now), group__organisation__locality_id=voucher.locality_id
        ).values("group_id")
    ).select_related("organisation__locality")
    found: dict[int, Organisation] = {}
    for group in groups:
        if group.organisation_id in found:
            continue
        if (
            placement.eligible_applications(group=group, on=now.date())
            .filter(pk=voucher.application_id)
            .exists()
        ):
            found[group.organisation_id] = group.organisation
    return sorted(found.values(), key=lambda o: (o.name, o.pk))


def organisations_of_locality(*, locality_id: int) -> QuerySet[Organisation]:
    """Every kindergarten of the locality (a full one can be chosen to wait on its list, E37)."""
    return Organisation.objects.filter(locality_id=locality_id).order_by("name_ru", "pk")


def vouchers_of_locality(*, locality_ids: frozenset[int] | None) -> QuerySet[Voucher]:
    """Vouchers of the staff's localities (None: all), newest first."""
    rows = Voucher.objects.select_related("application", "waiting_organisation", "locality")
    return rows if locality_ids is None else rows.filter(locality_id__in=locality_ids)


LIVE = LIVE_VOUCHER_STATES
