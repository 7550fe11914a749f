"""The demo's voucher locality (E30–E39): the small scale's district (`VOUCHER_LOCALITY`) distributes its
free places by vouchers, through `kezek.vouchers.services` at the moments of the demo's history
(`kezek.demo.history`).

- The department takes the voucher policy the day the seats are published (a ledgered settings change);
  the seat sweep publishes them with no priority window, and the next applications in line get a voucher
  each (E31).
- Most families confirm and sign a contract the same day, in the kindergarten with the emptiest group the
  child fits (a direction, enrolled with the others: `kezek.demo.records`); the second kindergarten is
  filled up. The vouchers nobody confirmed lapse two working days later (E32: their applications inactive).
- The working day before today the free places get vouchers again: most wait for the parent's confirmation,
  one is confirmed (the contract still to sign), one signed its contract (a direction awaiting enrolment),
  one waits on the list of the full kindergarten (E37).
"""

import datetime as dt
import random

from django.contrib.auth.models import User
from django.db.models import QuerySet

from kezek.core.errors import DomainError
from kezek.core.workdays import add_working_days
from kezek.facilities.models import Group, Locality, Organisation
from kezek.placement import services as placement
from kezek.placement.models import Place, PlacementSettings, Policy
from kezek.vouchers import selectors, services
from kezek.vouchers.models import Voucher

from . import catalogue as cat
from . import history

VOUCHER_LOCALITY = "glubokoe"  # the small scale's voucher district (`generate.SCALES`)


def demo_vouchers_delete() -> None:
    """The demo localities' vouchers and distribution settings (before their directions and localities go)."""
    localities = Locality.objects.filter(region__code__in=cat.DEMO_REGION_CODES)
    Voucher.objects.filter(locality__in=localities).delete()
    PlacementSettings.objects.filter(locality__in=localities).delete()


def voucher_locality() -> Locality | None:
    return Locality.objects.filter(code=VOUCHER_LOCALITY).first()


def demo_voucher_policy_set(*, by: User | None) -> None:
    """The voucher district takes the voucher policy (before its seats are published)."""
    locality = voucher_locality()
    if locality is not None:
        placement.placement_settings_update(
            locality=locality, by_staff=by, distribution_policy=Policy.VOUCHER
        )


def _sign(voucher: Voucher, organisations: list[Organisation], wanted: dict[int, int], on: dt.date) -> bool:
    """Confirm the voucher and sign in the kindergarten whose group the child fits is the emptiest against
    `wanted` (the last kindergarten's groups are wanted full); False (nothing done) when none has room."""
    room: list[tuple[float, int, Organisation]] = []
    for organisation in organisations:
        fitting = selectors.fitting_groups(application=voucher.application, organisation=organisation, on=on)
        for group in fitting:
            directed = history.directed(group.pk)
            if directed < wanted[group.pk]:
                room.append((directed / wanted[group.pk], organisation.pk, organisation))
    if not room:
        return False
    applicant = voucher.application.applicant
    try:
        voucher = services.voucher_confirm(voucher=voucher, applicant=applicant)
        services.voucher_sign(voucher=voucher, applicant=applicant, organisation=min(room)[2])
    except DomainError:
        return False
    return True


def _open_places(groups: list[Group]) -> bool:
    return Place.objects.filter(group__in=groups, status=Place.Status.OPEN).exists()


def _issued(locality: Locality) -> QuerySet[Voucher]:
    return (
        Voucher.objects.filter(locality=locality, state=Voucher.State.ISSUED)
        .select_related("application__applicant", "application__child")
        .order_by("pk")
    )


def demo_vouchers_history(
    *, locality: Locality, groups: list[Group], wanted: dict[int, int], days: history.HistoryDays
) -> None:
    """On the day the seats were published (the clock is there): vouchers, confirmations and contracts."""
    organisations = list(
        Organisation.objects.filter(locality=locality, is_active=True)
        .select_related("locality")
        .order_by("pk")
    )
    for group in groups:
        if len(organisations) > 1 and group.organisation_id == organisations[-1].pk:
            wanted[group.pk] = group.capacity  # a popular kindergarten, full: children wait on its list
    services.vouchers_issue(locality=locality)
    for voucher in _issued(locality):
        _sign(voucher, organisations, wanted, days.published)


def demo_vouchers_recent(*, locality: Locality, days: history.HistoryDays, seed: int) -> dict[str, int]:
    """The unconfirmed vouchers lapse (the sweep two working days after); the working day before today
    the free places get vouchers again: one confirmed, one contract signed, one waiting on the full
    kindergarten's list, the rest waiting for the parent. Returns the vouchers by state."""
    rng = random.Random(f"kezek-demo:{seed}:vouchers")
    organisations = list(
        Organisation.objects.filter(locality=locality, is_active=True)
        .select_related("locality")
        .order_by("pk")
    )
    with history.travel(add_working_days(days.published, services.CONFIRM_WORKING_DAYS + 1), 7):
        services.vouchers_expire_due()
    with history.travel(days.recent):
        services.vouchers_issue(locality=locality)
        issued = list(_issued(locality))
        rng.shuffle(issued)
        full = organisations[-1]
        waiting = contracted = confirmed = False
        for voucher in issued:
            applicant = voucher.application.applicant
            fits_full = selectors.fitting_groups(
                application=voucher.application, organisation=full, on=days.recent
            )
            try:
                if not waiting and fits_full and not _open_places(fits_full):
                    voucher = services.voucher_confirm(voucher=voucher, applicant=applicant)
                    services.voucher_sign(voucher=voucher, applicant=applicant, organisation=full, wait=True)
                    waiting = True
                elif not contracted:
                    chosen = next(
                        (
                            organisation
                            for organisation in organisations
                            if _open_places(
                                selectors.fitting_groups(
                                    application=voucher.application, organisation=organisation, on=days.recent
                                )
                            )
                        ),
                        None,
                    )
                    if chosen is None:
                        continue
                    voucher = services.voucher_confirm(voucher=voucher, applicant=applicant)
                    services.voucher_sign(voucher=voucher, applicant=applicant, organisation=chosen)
                    contracted = True
                elif not confirmed:
                    services.voucher_confirm(voucher=voucher, applicant=applicant)
                    confirmed = True
            except DomainError:
                continue
            if waiting and contracted and confirmed:
                break
        services.vouchers_issue(locality=locality)  # the place the waiting one no longer covers
    states: dict[str, int] = {}
    for state in Voucher.objects.filter(locality=locality).values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    return states
