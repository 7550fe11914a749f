"""Writes of vouchers (E30–E39). Each service is one transaction with its ledger events (`voucher.*`).

Lock order: the locality (issuing), a voucher (twins' vouchers by primary key, P6), then what placement
locks (a group, places), the cohort, the ledger head. A seat is taken as a direction takes one
(`placement.services.place_take`: a conditional UPDATE), so of any number of parents signing for the last
seat exactly one gets it.
"""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import Conflict, NotFound, ValidationFailed
from kezek.core.workdays import add_working_days
from kezek.facilities.models import Group, Locality, Organisation
from kezek.ledger.services import ledger_append
from kezek.notifications.rendering import site_url
from kezek.placement import selectors as placement_selectors
from kezek.placement import services as placement
from kezek.placement.models import Direction, Place, PlacementSettings, Policy, Publication
from kezek.waitlist import services as waitlist
from kezek.waitlist.models import Applicant, Application, StopListEntry

from . import locks, selectors
from .models import LIVE_VOUCHER_STATES, Voucher, VoucherReminder

State = Voucher.State
CONFIRM_WORKING_DAYS = 2  # E32
CONTRACT_WORKING_DAYS = 5  # E35
EXTENSION_MAX_DAYS = 30  # E36
REFUSED_REASON = "voucher_refused"  # E33: the reason of an application withdrawn by a refusal
# E32: the reminder goes on the last working day, from 09:00 (the deadline is the midnight that ends it).
REMINDER_BEFORE = dt.timedelta(hours=15)


def _event(kind: str, voucher: Voucher, **extra: object) -> None:
    """A voucher event: the voucher as it is now (public: numbers, dates and states, E38)."""
    ledger_append(
        kind=kind,
        subject_type="voucher",
        subject_id=str(voucher.pk),
        locality_code=voucher.locality.code,
        payload={
            "voucher": voucher.pk,
            "application": voucher.application_id,
            "state": voucher.state,
            "confirm_until": voucher.confirm_until,
            "contract_until": voucher.contract_until,
            "restore_until": voucher.restore_until,
            "waiting_organisation": voucher.waiting_organisation_id,
            "direction": voucher.direction_id,
            **extra,
        },
    )


def _notify(voucher: Voucher, template: str, **context: object) -> None:
    """E39: tell the voucher's parent, by their channel and in their language, once per voucher and kind
    (the outbox's idempotency key). Inside the caller's transaction."""
    waitlist.application_notify(
        voucher.application, template, f"{template}:{voucher.pk}", voucher=voucher.pk, **context
    )


def _link(voucher: Voucher) -> str:
    return site_url(reverse("vouchers:voucher", args=[voucher.pk]))


def _own(voucher: Voucher, applicant: Applicant) -> None:
    if voucher.application.applicant_id != applicant.pk:
        raise NotFound(_("Voucher not found."))


def _not_refused(voucher: Voucher) -> None:
    if voucher.state == State.REFUSED:
        raise Conflict(_("This voucher was refused: the application has left the queue."), code="refused")


# --- issuing (E31) ---------------------------------------------------------------------------------


def vouchers_issue(*, locality: Locality) -> int:
    """E31: one voucher per free place of the locality not yet covered by a live voucher, to the next
    applications in line. Idempotent (the locality's lock serialises it); returns how many were issued."""
    if not selectors.voucher_policy(locality=locality):
        return 0
    with transaction.atomic():
        locality = locks.locality_lock(locality.pk)
        now = clock.now()
        needed = selectors.uncovered_places(locality=locality, now=now)
        if needed <= 0:
            return 0
        line = selectors.next_in_line(locality=locality, limit=needed, on=now.date())
        confirm_until = placement_selectors.end_of_day(add_working_days(now.date(), CONFIRM_WORKING_DAYS))
        for application in line:
            voucher = Voucher.objects.create(
                application=application,
                locality=locality,
                state=State.ISSUED,
                issued_at=now,
                confirm_until=confirm_until,
            )
            _event("voucher.issued", voucher)
            _notify(voucher, "voucher_issued", until=confirm_until, link=_link(voucher))
    return len(line)


def on_publication_saved(*, instance: Publication, created: bool, raw: bool = False, **_: Any) -> None:
    """E31: right after a publication under policy voucher commits, issue its vouchers."""
    if raw or not created or instance.policy != Policy.VOUCHER:
        return
    organisation_id = instance.group.organisation_id
    transaction.on_commit(lambda: _after_publication(organisation_id))


def _after_publication(organisation_id: int) -> None:
    organisation = Organisation.objects.select_related("locality").get(pk=organisation_id)
    waiting_serve(organisation_id=organisation_id)
    vouchers_issue(locality=organisation.locality)


# --- the parent's acts (E32–E37) ---------------------------------------------------------------------


def voucher_confirm(*, voucher: Voucher, applicant: Applicant) -> Voucher:
    """E32: the parent confirms the voucher within 2 working days; the contract is due within 5 working
    days of the confirmation (E35)."""
    with transaction.atomic():
        voucher = locks.voucher_lock(voucher.pk)
        _own(voucher, applicant)
        _not_refused(voucher)
        now = clock.now()
        state = selectors.voucher_state(voucher, now=now)
        if state == State.LAPSED and voucher.state == State.ISSUED:
            raise Conflict(
                _("The voucher was not confirmed within 2 working days: the application is inactive."),
                code="confirm_late",
            )
        if state != State.ISSUED:
            raise Conflict(_("This voucher cannot be confirmed."), code="status")
        if voucher.application.status != Application.Status.QUEUED:
            raise Conflict(_("This application is not in the queue."), code="application_not_queued")
        _confirmed(voucher, now=now)
    return voucher


def _confirmed(voucher: Voucher, *, now: dt.datetime) -> None:
    """The (locked) issued voucher is confirmed now; its contract is due in 5 working days (E35)."""
    voucher.state = State.CONFIRMED
    voucher.confirmed_at = now
    voucher.contract_until = placement_selectors.end_of_day(
        add_working_days(now.date(), CONTRACT_WORKING_DAYS)
    )
    voucher.save(update_fields=["state", "confirmed_at", "contract_until"])
    _event("voucher.confirmed", voucher)


def voucher_refuse(*, voucher: Voucher, applicant: Applicant) -> Voucher:
    """E33: refusing the voucher takes the application out of the queue (withdrawn, reason
    `voucher_refused`)."""
    with transaction.atomic():
        voucher = locks.voucher_lock(voucher.pk)
        _own(voucher, applicant)
        _not_refused(voucher)
        if selectors.voucher_state(voucher) not in (State.ISSUED, State.CONFIRMED, State.WAITING):
            raise Conflict(_("This voucher can no longer be refused."), code="status")
        voucher.state = State.REFUSED
        voucher.closed_at = clock.now()
        voucher.save(update_fields=["state", "closed_at"])
        waitlist.application_withdraw(
            application=voucher.application, by_applicant=applicant, reason=REFUSED_REASON
        )
        _event("voucher.refused", voucher)
    return voucher


def _lapse(voucher: Voucher) -> bool:
    """E32/E35: the (locked) voucher lapsed at its deadline: the application becomes inactive (stop-listed,
    reason `voucher_lapsed`, no automatic restoration) and may be restored once within 28 days (E33).
    Whether the application was stop-listed (it was queued)."""
    deadline = selectors.lapse_deadline(voucher)
    voucher.state = State.LAPSED
    voucher.closed_at = clock.now()
    voucher.restore_until = deadline + dt.timedelta(days=selectors.RESTORE_DAYS)
    voucher.save(update_fields=["state", "closed_at", "restore_until"])
    application = Application.objects.get(pk=voucher.application_id)
    queued = application.status == Application.Status.QUEUED
    if queued:
        waitlist.application_stop_list(application=application, reason=StopListEntry.Reason.VOUCHER_LAPSED)
    _event("voucher.lapsed", voucher)
    return queued


def voucher_restore(*, voucher: Voucher, applicant: Applicant) -> Voucher:
    """E33: the parent restores the application of a lapsed voucher to the queue (its old place), once and
    within 28 calendar days of the lapse; at its turn it gets a new voucher."""
    with transaction.atomic():
        voucher = locks.voucher_lock(voucher.pk)
        _own(voucher, applicant)
        _not_refused(voucher)
        now = clock.now()
        if selectors.voucher_state(voucher, now=now) != State.LAPSED:
            raise Conflict(_("Only a lapsed voucher's application can be restored."), code="status")
        if Voucher.objects.filter(application_id=voucher.application_id, state=State.RESTORED).exists():
            raise Conflict(_("The application has already been restored once."), code="restored_once")
        if now >= selectors.restore_until(voucher):
            raise Conflict(
                _("More than 28 days have passed since the voucher lapsed: it cannot be restored."),
                code="restore_late",
            )
        if voucher.state != State.LAPSED:
            _lapse(voucher)  # the sweep is late: apply it first
        waitlist.stop_listing_lift(
            application=voucher.application, reason=StopListEntry.Reason.VOUCHER_LAPSED, by="applicant"
        )
        voucher.state = State.RESTORED
        try:
            with transaction.atomic():
                voucher.save(update_fields=["state"])
        except IntegrityError as exc:
            raise Conflict(
                _("The application has already been restored once."), code="restored_once"
            ) from exc
        _event("voucher.restored", voucher)
    return voucher


def voucher_extend(*, voucher: Voucher, applicant: Applicant, days: int = EXTENSION_MAX_DAYS) -> Voucher:
    """E36: one extension of the contract deadline, by 1 to 30 calendar days, while it runs."""
    if not 1 <= days <= EXTENSION_MAX_DAYS:
        raise ValidationFailed(
            _("An extension is between 1 and %(max)d days.") % {"max": EXTENSION_MAX_DAYS}, code="days_range"
        )
    with transaction.atomic():
        voucher = locks.voucher_lock(voucher.pk)
        _own(voucher, applicant)
        _not_refused(voucher)
        if selectors.voucher_state(voucher) != State.CONFIRMED or voucher.contract_until is None:
            raise Conflict(_("Only a confirmed voucher's contract deadline can be extended."), code="status")
        if voucher.extended:
            raise Conflict(_("The contract deadline has already been extended once."), code="extension_limit")
        voucher.contract_until = voucher.contract_until + dt.timedelta(days=days)
        voucher.extended = True
        voucher.save(update_fields=["contract_until", "extended"])
        _event("voucher.extended", voucher, days=days)
    return voucher


def voucher_sign(
    *, voucher: Voucher, applicant: Applicant, organisation: Organisation, wait: bool = False
) -> Voucher:
    """E34/E37: with a confirmed voucher the parent signs the contract with a kindergarten that has a free
    place of a group the child fits: the seat is taken exactly once and a direction issued by right of the
    voucher's application (it proceeds to enrolment as any direction, P4); the child's twins and siblings
    registered together take seats there with it, or none does (P6). A full kindergarten: the child waits
    on its list when the parent asked to (`wait`), else 409."""
    _own(voucher, applicant)
    if organisation.locality_id != voucher.locality_id:
        raise NotFound(_("Kindergarten not found."))
    waiting_serve(organisation_id=organisation.pk)  # E37: those waiting there are served first
    for group_id in organisation.groups.values_list("pk", flat=True):
        placement.directions_expire_due(group_id=group_id)  # an overdue direction's seat is free (P5)
    with transaction.atomic():
        now = clock.now()
        batch, sibling_vouchers = selectors.contract_batch(application=voucher.application, now=now)
        locked = locks.vouchers_lock([voucher.pk, *sibling_vouchers])
        voucher = locked[voucher.pk]
        _not_refused(voucher)
        state = selectors.voucher_state(voucher, now=now)
        if state == State.LAPSED:
            raise Conflict(_("The voucher is no longer valid."), code="lapsed")
        if state not in (State.CONFIRMED, State.WAITING):
            raise Conflict(_("Confirm the voucher first."), code="status")
        if voucher.application.status != Application.Status.QUEUED:
            raise Conflict(_("This application is not in the queue."), code="application_not_queued")
        members = _members(batch, organisation=organisation, on=now.date())
        if members is None:
            raise ValidationFailed(
                _("No group of this kindergarten fits the child's age."), code="not_eligible"
            )
        try:
            with transaction.atomic():
                _contract(voucher, members=members, vouchers=locked, now=now)
        except Conflict:
            if not wait:
                raise Conflict(
                    _(
                        "This kindergarten has no free place for the child: choose another one, or wait on "
                        "its list."
                    ),
                    code="no_place",
                ) from None
            if voucher.state == State.WAITING and voucher.waiting_organisation_id == organisation.pk:
                return voucher
            voucher.state = State.WAITING
            voucher.waiting_organisation = organisation
            voucher.waiting_since = now
            voucher.save(update_fields=["state", "waiting_organisation", "waiting_since"])
            _event("voucher.waiting", voucher)
    return voucher


Member = tuple[Application, list[Group]]


def _members(batch: list[Application], *, organisation: Organisation, on: dt.date) -> list[Member] | None:
    """Each application of the batch with the organisation's groups it fits (P3); None when one fits none
    (P6: the batch goes to one kindergarten or to none)."""
    members = [
        (application, selectors.fitting_groups(application=application, organisation=organisation, on=on))
        for application in batch
    ]
    return members if all(groups for _, groups in members) else None


def _contract(
    voucher: Voucher, *, members: list[Member], vouchers: dict[int, Voucher], now: dt.datetime
) -> Direction:
    """Take a seat for each member (the locked voucher's application first, then its siblings, P6), each in a
    group it fits, and issue their directions by right of the voucher's application (E34); Conflict when a
    seat is missing — run it in a savepoint, which then undoes the seats taken. Each member's live voucher
    among the locked `vouchers` (by id: the voucher's own and its siblings') is signed with the member's
    direction. Returns the voucher's direction."""
    free = Place.objects.filter(selectors.places_for_vouchers(now=now)).order_by("pk")
    taken = []
    for application, groups in members:
        place = placement.place_take(candidates=free.filter(group__in=groups))
        taken.append((application, place, next(g for g in groups if g.pk == place.group_id)))
    settings: PlacementSettings = placement_selectors.placement_settings(locality=voucher.locality)
    try:
        with transaction.atomic():
            directions = [
                placement.direction_issue(
                    application=application,
                    place=place,
                    taker=voucher.application,
                    group=group,
                    settings=settings,
                    now=now,
                )
                for application, place, group in taken
            ]
    except IntegrityError as exc:
        raise Conflict(_("This application already holds a direction."), code="direction_exists") from exc
    own = {v.application_id: v for v in vouchers.values() if v.state in LIVE_VOUCHER_STATES}
    for (application, _place, group), direction in zip(taken, directions, strict=True):
        signed = own.get(application.pk)
        if signed is not None:
            _signed(signed, direction=direction, group=group, now=now)
    return directions[0]


def _signed(voucher: Voucher, *, direction: Direction, group: Group, now: dt.datetime) -> None:
    """The (locked) voucher's contract is signed with `direction`. A sibling's voucher still waiting for its
    confirmation is confirmed by it first: the same parent signed for both children (E34, P6)."""
    if voucher.state == State.ISSUED:
        _confirmed(voucher, now=now)
    voucher.state = State.CONTRACTED
    voucher.direction = direction
    voucher.closed_at = now
    voucher.save(update_fields=["state", "direction", "closed_at"])
    _event("voucher.contract_signed", voucher, group=group.pk, organisation=group.organisation_id)


# --- sweeps (tick) -----------------------------------------------------------------------------------


def vouchers_expire_due(*, limit: int = 500) -> int:
    """Sweep (E32, E35): vouchers past their deadline lapse. Idempotent; safe concurrently."""
    now = clock.now()
    due = Voucher.objects.filter(
        Q(state=State.ISSUED, confirm_until__lte=now) | Q(state=State.CONFIRMED, contract_until__lte=now)
    )
    lapsed = 0
    for pk in list(due.order_by("pk").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            voucher = locks.voucher_lock(pk, skip_locked=True)
            if voucher is None or selectors.voucher_state(voucher, now=now) != State.LAPSED:
                continue
            if voucher.state == State.LAPSED:
                continue
            if _lapse(voucher):  # E39: how to restore it, when it was the queue's
                _notify(voucher, "voucher_lapsed", until=voucher.restore_until, link=_link(voucher))
            lapsed += 1
    return lapsed


def voucher_reminders_send(*, limit: int = 500) -> int:
    """Sweep (E39): an issued voucher not confirmed by the morning of its last working day is reminded of,
    once (`VoucherReminder`, keyed by the voucher). Idempotent; safe concurrently."""
    now = clock.now()
    due = Voucher.objects.filter(
        state=State.ISSUED,
        confirm_until__gt=now,
        confirm_until__lte=now + REMINDER_BEFORE,
        reminder__isnull=True,
        application__status=Application.Status.QUEUED,
    )
    sent = 0
    for pk in list(due.order_by("confirm_until", "pk").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            voucher = locks.voucher_lock(pk, skip_locked=True)
            if voucher is None or selectors.voucher_state(voucher, now=now) != State.ISSUED:
                continue
            _, created = VoucherReminder.objects.get_or_create(voucher=voucher, defaults={"sent_at": now})
            if not created:
                continue  # another tick sent it
            _notify(voucher, "voucher_reminder", until=voucher.confirm_until, link=_link(voucher))
            sent += 1
    return sent


def waiting_serve(*, organisation_id: int | None = None, limit: int = 200) -> int:
    """Sweep (E37): a child waiting on a kindergarten's list is served first when a seat frees there — in
    the order they started waiting; with its twins and siblings registered together, or not yet (P6).
    Idempotent."""
    rows = Voucher.objects.filter(state=State.WAITING)
    if organisation_id is not None:
        rows = rows.filter(waiting_organisation_id=organisation_id)
    served = 0
    for pk in list(rows.order_by("waiting_since", "pk").values_list("pk", flat=True)[:limit]):
        now = clock.now()
        with transaction.atomic():
            application = Application.objects.get(vouchers=pk)
            batch, sibling_vouchers = selectors.contract_batch(application=application, now=now)
            locked = locks.vouchers_lock([pk, *sibling_vouchers], skip_locked=True)
            voucher = locked.get(pk)
            busy = len(locked) != 1 + len(sibling_vouchers)  # a sibling's voucher is busy: the next tick
            if (
                voucher is None
                or busy
                or voucher.state != State.WAITING
                or voucher.waiting_organisation is None
            ):
                continue
            members = _members(batch, organisation=voucher.waiting_organisation, on=now.date())
            if members is None:
                continue
            try:
                with transaction.atomic():
                    direction = _contract(voucher, members=members, vouchers=locked, now=now)
            except Conflict:
                continue
            _notify(  # E39: the parent did not act now: say where the place is
                voucher,
                "voucher_served",
                organisation=voucher.waiting_organisation.name_lazy,
                direction=direction.pk,
                until=direction.valid_until,
            )
            served += 1
    return served


def vouchers_sweep() -> int:
    """`tick`: lapse what is due, serve the waiting lists, issue vouchers for uncovered places (E31–E37)."""
    changed = vouchers_expire_due() + waiting_serve()
    localities = Locality.objects.filter(placement_settings__distribution_policy=Policy.VOUCHER).order_by(
        "pk"
    )
    for locality in localities:
        changed += vouchers_issue(locality=locality)
    return changed
