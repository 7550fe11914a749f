"""Writes of distribution (P1–P5): publish freed places, take a direction exactly once, extend, decline,
expire, enrol, depart; medical indications for sanatorium groups (P3). Each service is one transaction
with its ledger events.

Locks (`locks`, in their order): a group's row serialises its seat accounting; a place is taken by a
conditional UPDATE (`status = 'open'`), so of any number of racing parents exactly one gets it; partial
unique constraints (one live direction per place and per application) stand behind both.
"""

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import Conflict, NotFound, ValidationFailed
from kezek.core.workdays import add_working_days
from kezek.discretion.basis import Basis
from kezek.discretion.services import basis_checked, basis_record
from kezek.facilities.labels import age_range_label
from kezek.facilities.locks import group_lock, groups_lock
from kezek.facilities.models import Group, Locality, Organisation
from kezek.ledger.services import ledger_append
from kezek.notifications.rendering import site_url
from kezek.waitlist import commitments
from kezek.waitlist import services as waitlist
from kezek.waitlist.models import Applicant, Application, BenefitClaim, StopListEntry

from . import locks, selectors, signals
from .models import (
    LIVE_DIRECTION_STATES,
    Direction,
    Enrollment,
    MedicalIndication,
    Place,
    PlacementSettings,
    Policy,
    PriorityHolder,
    Publication,
)

State = Direction.State


def group_event_append(
    kind: str, *, subject_type: str, subject_id: int, group: Group, **payload: object
) -> None:
    """Append a ledger event about something of `group`: its locality, the group and organisation ids in
    the payload (placement's events, and the timesheets' — E15)."""
    ledger_append(
        kind=kind,
        subject_type=subject_type,
        subject_id=str(subject_id),
        locality_code=group.organisation.locality.code,
        payload={"group": group.pk, "organisation": group.organisation_id, **payload},
    )


def _offer(holders: list[Application], *, publication: Publication, group: Group) -> None:
    """Tell each priority holder about the places (once per holder and window)."""
    for application in holders:
        waitlist.application_notify(
            application,
            "places_offered",
            f"offered:{publication.pk}:{publication.priority_until:%Y%m%d%H}",
            organisation=group.organisation.name_lazy,
            until=publication.priority_until,
            link=site_url(reverse("cabinet:home")),
        )


def places_publish(
    *, group: Group, cause: str = Publication.Cause.CAPACITY, freed_at: dt.datetime | None = None
) -> Publication | None:
    """Publish every seat of the group that nobody holds (P1) and pick its priority holders (P2).

    `freed_at` (default now) is when the seats became free: the priority window runs from then
    (`selectors.publication_window`), so a late sweep gives no longer window, and one already over none.
    Idempotent: with nothing unaccounted for it publishes nothing and returns None. Runs no sweep: the
    holders are chosen as the sweeps will leave the queue (C6, S2; `selectors.eligible_in_order`).
    """
    with transaction.atomic():
        group = group_lock(group.pk)
        free = selectors.unaccounted_seats(group=group)
        if free <= 0 or not group.is_active:
            return None
        settings = selectors.placement_settings(locality=group.organisation.locality)
        now = clock.now()
        publication = Publication.objects.create(
            group=group,
            places=free,
            cause=cause,
            policy=settings.distribution_policy,
            published_at=now,
            priority_until=selectors.publication_window(freed_at=freed_at or now, now=now, settings=settings),
        )
        places = Place.objects.bulk_create([Place(publication=publication, group=group) for _ in range(free)])
        line = (
            selectors.distribution(group=group, limit=free, on=now.date())
            if publication.priority_until > now
            else None
        )
        holders = line.holders if line else []
        PriorityHolder.objects.bulk_create(
            [
                PriorityHolder(
                    publication=publication, application=a, rank=i, until=publication.priority_until
                )
                for i, a in enumerate(holders, 1)
            ]
        )
        group_event_append(
            "places.published",
            subject_type="publication",
            subject_id=publication.pk,
            group=group,
            places=[place.pk for place in places],
            cause=cause,
            priority_until=publication.priority_until,
            holders=[a.pk for a in holders],
            **_outcome(line),
        )
        _offer(holders, publication=publication, group=group)
    return publication


def _outcome(line: selectors.Distribution | None) -> dict[str, object]:
    """What a publication says of P3's outcome (A5): the day ages were counted on, and who was passed
    over for their age — only where the log lets anyone check it (a general group inside its window)."""
    if line is None or line.passed_over is None:
        return {}
    return {"age_on": line.age_on, "passed_over": line.passed_over}


def unaccounted_seats_publish(*, freed_at: dt.datetime | None = None) -> int:
    """Sweep (P1): publish every seat that nobody holds and nobody has published, whatever made it free —
    a departure or a capacity change written in SQL, an import — with cause `unaccounted` and its ledger
    event. One statement finds the groups; `places_publish` locks each and counts again, so it is
    idempotent and safe next to requests. `freed_at`: as `places_publish`'s. Returns the publications."""
    published = 0
    for group in selectors.groups_with_unaccounted_seats().iterator():
        published += (
            places_publish(group=group, cause=Publication.Cause.UNACCOUNTED, freed_at=freed_at) is not None
        )
    return published


def direction_take(*, application: Application, group: Group, applicant: Applicant) -> Direction:
    """A parent takes a free place of `group` for one application (P2–P4): exactly once.

    During a publication's priority window only its holders may take its places; afterwards (policy
    `window`) any eligible queued application, first come first served. Twins and siblings registered
    together (P6) take places together, in this group, or not at all. The loser of a race gets 409.
    """
    if application.applicant_id != applicant.pk:
        raise NotFound(_("Application not found."))
    # The reads show this group's overdue directions' seats free again (P5): expire them first — bounded by
    # the group's seats. The locality-wide sweeps are `tick`'s alone: an ended campaign's unconfirmed are
    # not eligible (C6), and a due restoration is applied to the taker itself (`application_refer`).
    directions_expire_due(group_id=group.pk)
    now = clock.now()
    batch = selectors.sibling_batch(application=application)
    for member in batch:
        selectors.check_eligible(application=member, group=group, on=now.date())
    settings = selectors.placement_settings(locality=application.locality)
    group = Group.objects.select_related("organisation__locality").get(pk=group.pk)
    try:
        with transaction.atomic():
            candidates = selectors.takeable_places(application=application, group=group, now=now)
            places = [place_take(candidates=candidates) for _member in batch]
            directions = [
                direction_issue(
                    application=member,
                    place=place,
                    taker=application,
                    group=group,
                    settings=settings,
                    now=now,
                )
                for member, place in zip(batch, places, strict=True)
            ]
    except IntegrityError as exc:
        raise Conflict(_("This application already holds a direction."), code="direction_exists") from exc
    return next(d for d in directions if d.application_id == application.pk)


def place_take(*, candidates: QuerySet[Place]) -> Place:
    """Take one of the candidate places with a conditional UPDATE, or raise 409 (P4; a voucher's contract
    takes its seat so too, E34). Inside the caller's transaction."""
    # Places are interchangeable: skip the ones others are taking; when all are being taken, wait for
    # them (a place whose taker commits no longer matches `status = 'open'`).
    place = locks.place_lock(candidates, skip_locked=True) or locks.place_lock(candidates)
    if place is None or not Place.objects.filter(pk=place.pk, status=Place.Status.OPEN).update(
        status=Place.Status.TAKEN
    ):
        raise Conflict(_("There is no free place left in this group for you."), code="no_place")
    return place


def direction_issue(
    *,
    application: Application,
    place: Place,
    taker: Application,
    group: Group,
    settings: PlacementSettings,
    now: dt.datetime,
) -> Direction:
    """One direction of a take, for the place just taken (`place_take`), inside the caller's transaction:
    `taker` is the application whose right took the places (a priority holding inside the window, P2; a
    voucher, E34; its twins and siblings ride with it, P6) — the ledger records it with the place's
    publication, so a replay checks the window (`kezek.integrity.replay.direction_issued`). A second live
    direction of the application raises IntegrityError (P4's unique index)."""
    direction = Direction.objects.create(
        place=place,
        group=group,
        application=application,
        state=State.BENEFIT_CONFIRMATION if _benefit_pending(application) else State.AWAITING_ENROLLMENT,
        issued_at=now,
        valid_until=selectors.end_of_day(add_working_days(now.date(), settings.direction_working_days)),
        latest_valid_until=now + dt.timedelta(days=settings.direction_max_days),
    )
    waitlist.application_refer(application=application, direction_number=direction.pk)
    group_event_append(
        "direction.issued",
        subject_type="direction",
        subject_id=direction.pk,
        group=group,
        application=application.pk,
        place=place.pk,
        publication=place.publication_id,
        by_right_of=taker.pk,
        state=direction.state,
        valid_until=direction.valid_until,
    )
    waitlist.application_notify(
        application,
        "direction_issued",
        f"direction:{direction.pk}",
        direction=direction.pk,
        until=direction.valid_until,
    )
    return direction


def _benefit_pending(application: Application) -> bool:
    return BenefitClaim.objects.filter(application=application, status=BenefitClaim.Status.PENDING).exists()


def direction_extend(*, direction: Direction, applicant: Applicant) -> Direction:
    """Extend a live direction by its validity again, up to `direction_max_days` in total (P4)."""
    with transaction.atomic():
        direction = locks.direction_lock(direction.pk)
        if direction.application.applicant_id != applicant.pk:
            raise NotFound(_("Direction not found."))
        now = clock.now()
        if (
            direction.state not in (State.BENEFIT_CONFIRMATION, State.AWAITING_ENROLLMENT)
            or direction.valid_until <= now
        ):
            raise Conflict(_("Only a valid direction can be extended."), code="status")
        settings = selectors.placement_settings(locality=direction.application.locality)
        new_until = selectors.direction_extended_until(direction, settings=settings)
        if new_until is None:
            raise Conflict(_("The direction cannot be extended any further."), code="extension_limit")
        direction.valid_until = new_until
        direction.save(update_fields=["valid_until"])
        group = Group.objects.select_related("organisation__locality").get(pk=direction.group_id)
        group_event_append(
            "direction.extended",
            subject_type="direction",
            subject_id=direction.pk,
            group=group,
            valid_until=new_until,
        )
    return direction


def _close(direction: Direction, state: str, *, reason: str = "") -> None:
    direction.state = state
    direction.closed_at = clock.now()
    direction.reason = reason
    direction.save(update_fields=["state", "closed_at", "reason"])


def _release_place(direction: Direction) -> None:
    Place.objects.filter(pk=direction.place_id, status=Place.Status.TAKEN).update(
        status=Place.Status.RELEASED
    )


def direction_decline(*, direction: Direction, applicant: Applicant) -> Direction:
    """The parent declines the direction: the application returns to its place, the place is published."""
    with transaction.atomic():
        group = group_lock(direction.group_id)  # lock order: group, direction, cohort, ledger
        direction = locks.direction_lock(direction.pk)
        if direction.application.applicant_id != applicant.pk:
            raise NotFound(_("Direction not found."))
        if selectors.direction_state(direction) not in LIVE_DIRECTION_STATES:
            # Past its deadline it has expired (P5), swept or not: declining cannot spare the stop-list.
            raise Conflict(_("This direction is no longer valid."), code="status")
        _close(direction, State.DECLINED)
        _release_place(direction)
        waitlist.application_unrefer(application=direction.application, direction_number=direction.pk)
        group_event_append(
            "direction.declined", subject_type="direction", subject_id=direction.pk, group=group
        )
        places_publish(group=group, cause=Publication.Cause.DIRECTION_DIED)
    return direction


def directions_expire_due(*, limit: int = 500, group_id: int | None = None) -> int:
    """Sweep (P5): live directions past their deadline expire; the place is published again and the
    application goes to the stop-list for 10 working days. `group_id`: only that group's (what taking a
    place there runs first). Idempotent; safe concurrently."""
    now = clock.now()
    overdue = Direction.objects.filter(
        state__in=[State.BENEFIT_CONFIRMATION, State.AWAITING_ENROLLMENT], valid_until__lte=now
    )
    if group_id is not None:
        overdue = overdue.filter(group_id=group_id)
    due = list(overdue.order_by("valid_until", "pk").values_list("pk", "group_id")[:limit])
    expired = 0
    for pk, group_id in due:
        with transaction.atomic():
            group = group_lock(group_id)
            direction = locks.direction_lock(pk, skip_locked=True)
            if (
                direction is None
                or direction.state not in LIVE_DIRECTION_STATES
                or direction.valid_until > now
            ):
                continue  # another tick has it
            _close(direction, State.EXPIRED)
            _release_place(direction)
            waitlist.application_stop_list(
                application=direction.application, reason=StopListEntry.Reason.DIRECTION_EXPIRED
            )
            group_event_append(
                "direction.expired", subject_type="direction", subject_id=direction.pk, group=group
            )
            waitlist.application_notify(
                direction.application, "direction_expired", f"expired:{direction.pk}", direction=direction.pk
            )
            places_publish(
                group=group, cause=Publication.Cause.DIRECTION_DIED, freed_at=direction.valid_until
            )
        expired += 1
    return expired


def direction_enroll(*, direction: Direction, by_staff: User, on: dt.date | None = None) -> Enrollment:
    """The kindergarten enrols the child of a direction awaiting enrolment (P4)."""
    on = on or clock.today()
    with transaction.atomic():
        group = group_lock(direction.group_id)
        direction = locks.direction_lock(direction.pk)
        if direction.state != State.AWAITING_ENROLLMENT:
            raise Conflict(_("Only a direction awaiting enrolment can be enrolled."), code="status")
        if direction.valid_until <= clock.now():
            raise Conflict(_("The direction has expired."), code="expired")
        if on > clock.today():
            raise ValidationFailed(_("The enrolment date cannot be in the future."), code="date_future")
        if on < direction.issued_at.astimezone(clock.local_tz()).date():
            raise ValidationFailed(
                _("The enrolment date cannot be before the direction was issued."), code="date_before_issue"
            )
        _close(direction, State.ENROLLED)
        Place.objects.filter(pk=direction.place_id).update(status=Place.Status.FILLED)
        enrollment = Enrollment.objects.create(
            group=direction.group, child=direction.application.child, direction=direction, enrolled_on=on
        )
        waitlist.application_unrefer(
            application=direction.application, direction_number=direction.pk, enrolled=True
        )
        group_event_append(
            "direction.enrolled",
            subject_type="direction",
            subject_id=direction.pk,
            group=group,
            enrolled_on=on,
            enrollment=enrollment.pk,
            by=by_staff.pk,
        )
        signals.enrollment_created.send(sender=Enrollment, enrollment=enrollment, by_staff=by_staff)
    return enrollment


def enrollment_depart(
    *, enrollment: Enrollment, by_staff: User, on: dt.date | None = None, reason: str, reason_code: str = ""
) -> Enrollment:
    """A child leaves the group: the seat is free and published at once (P1); the child's file is closed
    with `reason_code` (E8, `kezek.records`)."""
    on = on or clock.today()
    reason = reason.strip()
    if len(reason) < 3:
        raise ValidationFailed(_("Write the reason of the departure."), code="reason_required")
    with transaction.atomic():
        group = group_lock(enrollment.group_id)
        enrollment = locks.enrollment_lock(enrollment.pk)
        if enrollment.left_on is not None:
            raise Conflict(_("The child has already left."), code="status")
        if on < enrollment.enrolled_on or on > clock.today():
            raise ValidationFailed(_("The departure date is not possible."), code="date_invalid")
        enrollment.left_on = on
        enrollment.leave_reason = reason
        enrollment.save(update_fields=["left_on", "leave_reason"])
        group_event_append(
            "enrollment.departed",
            subject_type="enrollment",
            subject_id=enrollment.pk,
            group=group,
            left_on=on,
            by=by_staff.pk,
        )
        signals.enrollment_departed.send(
            sender=Enrollment,
            enrollment=enrollment,
            by_staff=by_staff,
            on=on,
            reason=reason,
            reason_code=reason_code,
        )
        places_publish(group=group, cause=Publication.Cause.DEPARTURE)
    return enrollment


def on_benefit_deciding(*, application: Application, **_: object) -> None:
    """Take the group lock of the application's live direction before the queue locks its cohort."""
    group_id = (
        Direction.objects.filter(application=application, state=State.BENEFIT_CONFIRMATION)
        .values_list("group_id", flat=True)
        .first()
    )
    if group_id is not None:
        group_lock(group_id)


def on_benefit_decided(*, application: Application, confirmed: bool, **_: object) -> None:
    """P4/P5: a confirmed benefit sends the waiting direction to the kindergarten; a rejected one revokes
    it and publishes its place again (the queue then stop-lists the application)."""
    direction = locks.live_direction_lock(application)
    if direction is None or direction.state != State.BENEFIT_CONFIRMATION:
        return
    group = direction.group
    if confirmed:
        direction.state = State.AWAITING_ENROLLMENT
        direction.save(update_fields=["state"])
        group_event_append(
            "direction.benefit_confirmed", subject_type="direction", subject_id=direction.pk, group=group
        )
        return
    _close(direction, State.REVOKED, reason="benefit_rejected")
    _release_place(direction)
    group_event_append(
        "direction.revoked",
        subject_type="direction",
        subject_id=direction.pk,
        group=group,
        reason="benefit_rejected",
    )
    places_publish(group=group, cause=Publication.Cause.DIRECTION_DIED)


def placement_settings_update(
    *, locality: Locality, by_staff: User | None = None, **changes: object
) -> PlacementSettings:
    """Change a locality's distribution settings (P2–P4); every change is a public ledger event (naming
    the staff user who made it, when one did)."""
    allowed = {f.name for f in PlacementSettings._meta.concrete_fields} - {"id", "locality"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(_("Unknown setting."), code="setting_unknown")
    with transaction.atomic():
        row = locks.placement_settings_lock(locality.pk)
        row = row or PlacementSettings(locality=locality)
        for name, value in changes.items():
            setattr(row, name, value)
        try:
            row.full_clean()
        except DjangoValidationError as exc:
            raise ValidationFailed(
                _("A setting has a value outside its range."), code="setting_invalid"
            ) from exc
        row.save()
        ledger_append(
            kind="placement_settings.changed",
            subject_type="locality",
            subject_id=locality.code,
            locality_code=locality.code,
            payload={
                **{name: getattr(row, name) for name in sorted(allowed)},
                **({"by": by_staff.pk} if by_staff else {}),
            },
        )
    return row


def offers_advance(*, limit: int = 200) -> int:
    """Sweep for policy `offer` (P2): places not taken when their offer's window ended are offered to the
    next applications in line, with a new window. Idempotent; safe concurrently (group lock)."""
    now = clock.now()
    due = list(
        Publication.objects.filter(
            policy=Policy.OFFER, priority_until__lte=now, place_set__status=Place.Status.OPEN
        )
        .distinct()
        .order_by("priority_until", "pk")
        .values_list("pk", "group_id")[:limit]
    )
    moved = 0
    for pk, group_id in due:
        with transaction.atomic():
            group = group_lock(group_id)
            publication = locks.publication_lock(pk)
            still_open = publication.place_set.filter(status=Place.Status.OPEN).count()
            if publication.priority_until > now or not still_open:
                continue  # another tick moved it
            previous = set(publication.holders.values_list("application_id", flat=True))
            line = selectors.eligible_in_order(group=group, limit=still_open + len(previous), on=now.date())
            nxt = [a for a in line if a.pk not in previous][:still_open]
            settings = selectors.placement_settings(locality=group.organisation.locality)
            publication.priority_until = selectors.publication_window(
                freed_at=now, now=now, settings=settings
            )
            publication.save(update_fields=["priority_until"])
            first_rank = len(previous) + 1
            PriorityHolder.objects.bulk_create(
                [
                    PriorityHolder(
                        publication=publication,
                        application=a,
                        rank=first_rank + i,
                        until=publication.priority_until,
                    )
                    for i, a in enumerate(nxt)
                ]
            )
            group_event_append(
                "places.offer_moved",
                subject_type="publication",
                subject_id=publication.pk,
                group=group,
                priority_until=publication.priority_until,
                holders=[a.pk for a in nxt],
            )
            _offer(nxt, publication=publication, group=group)
        moved += 1
    return moved


def _seat_fill(group: Group, *, past_windows: bool = False) -> Place | None:
    """Fill a seat of the (locked) group outside the queue's directions: its newest open place, else a
    seat nobody holds yet (then None); Conflict when there is neither. `past_windows`: only a place whose
    priority window (P2) is over, so an enrolment outside the queue never takes a place owed to a holder
    (a staff child, P7)."""
    candidates = Place.objects.filter(group=group, status=Place.Status.OPEN)
    in_windows = candidates.filter(publication__priority_until__gt=clock.now())
    if past_windows:
        candidates = candidates.exclude(pk__in=in_windows.values("pk"))
    place = locks.place_lock(candidates.order_by("-pk"))
    if place is not None:
        place.status = Place.Status.FILLED
        place.save(update_fields=["status"])
    elif selectors.unaccounted_seats(group=group) <= 0:
        if past_windows and in_windows.exists():
            raise Conflict(
                _(
                    "The group's free places are still offered to the queue in their priority window: a "
                    "child outside the queue may take one only when the window is over."
                ),
                code="place_in_window",
            )
        raise Conflict(_("The group has no free seat."), code="no_place")
    return place


def _age_checked(*, birth_date: dt.date, group: Group, on: dt.date) -> None:
    """ValidationFailed unless the child is of the group's ages (P3): enrolments outside the queue and
    transfers follow the same rule as directions."""
    if not selectors.child_fits_group(birth_date=birth_date, group=group, on=on):
        raise ValidationFailed(
            _("The child's age does not fit this group (%(ages)s).")
            % {"ages": age_range_label(group.age_from, group.age_to)},
            code="age_mismatch",
        )


def enrollment_staff_child(
    *, group: Group, child_iin: str, by_staff: User, basis: Basis | None = None, on: dt.date | None = None
) -> Enrollment:
    """P7: a child of the kindergarten's staff enrolled outside the queue, by the head's written order:
    its basis (D1) is kept, its hash and number on the ledger.

    It takes a free seat (an open place, else an unpublished one) and is marked publicly in the protocol;
    the child's live applications in the locality leave the queue in the same transaction (P9).
    """
    basis = basis_checked(basis)
    reason = f"No. {basis.document_number} of {basis.document_date:%d.%m.%Y}: {basis.reason}"  # as before D1
    on = on or clock.today()
    if on > clock.today():
        raise ValidationFailed(_("The enrolment date cannot be in the future."), code="date_future")
    child = waitlist.child_from_registry(iin=child_iin)
    with transaction.atomic():
        group = group_lock(group.pk)
        _age_checked(birth_date=child.birth_date, group=group, on=on)
        place = _seat_fill(group, past_windows=True)
        try:
            with transaction.atomic():
                enrollment = Enrollment.objects.create(
                    group=group, child=child, staff_child=True, staff_reason=reason, enrolled_on=on
                )
        except IntegrityError as exc:
            raise Conflict(_("The child is already enrolled in a group."), code="already_enrolled") from exc
        closed = waitlist.child_applications_enroll(
            child=child, locality_id=group.organisation.locality_id, enrollment_id=enrollment.pk
        )
        group_event_append(
            "enrollment.staff_child",
            subject_type="enrollment",
            subject_id=enrollment.pk,
            group=group,
            place=place.pk if place else None,
            reason=reason,
            applications=[application.pk for application in closed],
            by=by_staff.pk,
            **basis_record(
                basis=basis,
                event_kind="enrollment.staff_child",
                subject_type="enrollment",
                subject_id=enrollment.pk,
                by_staff=by_staff,
            ),
        )
        signals.enrollment_created.send(sender=Enrollment, enrollment=enrollment, by_staff=by_staff)
    return enrollment


INDICATION_REASON_MIN = 5  # characters of a written reason of a rejection
INDICATION_PENDING = _("A medical indication of this child is already waiting for confirmation.")


def _indication_ledger(kind: str, indication: MedicalIndication, **payload: object) -> None:
    opened = selectors.indication_opening(indication)
    if opened is not None:
        payload["indication_commitment"] = opened["commitment"]
    ledger_append(
        kind=kind,
        subject_type="medical_indication",
        subject_id=str(indication.pk),
        locality_code=indication.application.locality.code,
        payload={
            "application": indication.application_id,
            "issued_on": indication.issued_on,
            "valid_until": indication.valid_until,
            "status": indication.status,
            **payload,
        },
    )


def medical_indication_submit(
    *,
    application: Application,
    applicant: Applicant,
    document: UploadedFile,
    issued_on: dt.date,
    valid_until: dt.date,
) -> MedicalIndication:
    """The parent submits the child's medical indication for sanatorium groups (P3): a PDF or JPEG of at
    most 5 MB, issued by today and still valid; it waits for staff. One pending per child (409)."""
    if application.applicant_id != applicant.pk:
        raise NotFound(_("Application not found."))
    extension = waitlist.document_checked(document)
    today = clock.today()
    if issued_on > today:
        raise ValidationFailed(_("The date of issue cannot be in the future."), code="issued_on_future")
    if valid_until < today:
        raise ValidationFailed(_("The medical indication has already expired."), code="indication_expired")
    if application.status not in Application.ACTIVE_STATUSES:
        raise Conflict(_("This application is not active."), code="application_not_active")
    if MedicalIndication.objects.filter(
        child_id=application.child_id, status=MedicalIndication.Status.PENDING
    ).exists():
        raise Conflict(INDICATION_PENDING, code="indication_pending")  # before the file is stored
    indication = MedicalIndication(
        child_id=application.child_id,
        application=application,
        issued_on=issued_on,
        valid_until=valid_until,
        created_at=clock.now(),
        commitment_salt=commitments.new_salt(),
    )
    indication.document.save(f"{application.pk}.{extension}", document, save=False)
    try:
        with transaction.atomic():
            indication.save()
            _indication_ledger("medical_indication.submitted", indication)
    except IntegrityError as exc:  # a second submission raced this one
        indication.document.delete(save=False)
        raise Conflict(INDICATION_PENDING, code="indication_pending") from exc
    return indication


def medical_indication_decide(
    *, indication: MedicalIndication, confirm: bool, by_staff: User, reason: str = ""
) -> MedicalIndication:
    """Staff confirm or reject (with a written reason) a pending medical indication (P3). A confirmed one
    supersedes the child's earlier confirmed one; only an indication still valid can be confirmed."""
    reason = reason.strip()
    if not confirm and len(reason) < INDICATION_REASON_MIN:
        raise ValidationFailed(_("Write the reason of the rejection."), code="reason_required")
    with transaction.atomic():
        indication = locks.medical_indication_lock(indication.pk)
        if indication.status != MedicalIndication.Status.PENDING:
            raise Conflict(_("This medical indication has already been decided."), code="status")
        now = clock.now()
        if confirm and indication.valid_until < now.date():
            raise Conflict(_("The medical indication has already expired."), code="indication_expired")
        superseded = None
        if confirm:
            superseded = locks.confirmed_indication_lock(indication.child_id)
        if superseded is not None:
            superseded.status = MedicalIndication.Status.SUPERSEDED
            superseded.save(update_fields=["status"])
        indication.status = (
            MedicalIndication.Status.CONFIRMED if confirm else MedicalIndication.Status.REJECTED
        )
        indication.decided_at = now
        indication.decided_by = by_staff
        indication.reason = reason
        indication.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        _indication_ledger(
            f"medical_indication.{indication.status}",
            indication,
            supersedes=superseded.pk if superseded else None,
            by=by_staff.pk,
        )
    return indication


# --- The department's groups (issue #6): open, capacity, closure, transfers; the locality's settings ---


def group_open(
    *, organisation: Organisation, by_staff: User, capacity: int, academic_year: int, **fields: object
) -> Group:
    """A new group (`facilities.services.group_create`) whose seats are published in the same
    transaction (P1: a new group)."""
    from kezek.facilities import services as facilities

    with transaction.atomic():
        group = facilities.group_create(
            organisation=organisation,
            by_staff=by_staff,
            capacity=capacity,
            academic_year=academic_year,
            **fields,
        )
        places_publish(group=group, cause=Publication.Cause.CAPACITY)
    return group


def _withdraw_open(group: Group, count: int | None = None) -> list[int]:
    """Withdraw `count` (all when None) of the group's open places, the newest first; their ids."""
    ids = locks.open_places_lock(group, count=count)
    Place.objects.filter(pk__in=ids, status=Place.Status.OPEN).update(status=Place.Status.WITHDRAWN)
    return ids


def group_capacity_change(*, group: Group, capacity: int, by_staff: User) -> Group:
    """Change a group's capacity. A rise publishes the new seats at once, in the same transaction (P1); a
    fall withdraws open places that no longer fit, and never goes below the children enrolled plus the live
    directions (409, nothing changes)."""
    if not 0 <= capacity <= GROUP_CAPACITY_MAX:
        raise ValidationFailed(
            _("The capacity must be between 0 and %(max)d.") % {"max": GROUP_CAPACITY_MAX},
            code="capacity_range",
        )
    directions_expire_due(group_id=group.pk)  # an overdue direction holds no seat any more (P5)
    with transaction.atomic():
        group = group_lock(group.pk)
        if not group.is_active:
            raise Conflict(_("The group is closed."), code="group_closed")
        seats = selectors.group_seats(group=group)
        if capacity < seats.held:
            raise Conflict(
                _(
                    "The capacity cannot be lower than the children enrolled and the live directions "
                    "(%(held)d)."
                )
                % {"held": seats.held},
                code="capacity_below_held",
            )
        old = group.capacity
        if capacity == old:
            return group
        excess = seats.open - (capacity - seats.held)
        withdrawn = _withdraw_open(group, excess) if excess > 0 else []
        group.capacity = capacity
        group.save(update_fields=["capacity"])
        group_event_append(
            "group.capacity_changed",
            subject_type="group",
            subject_id=group.pk,
            group=group,
            capacity=[old, capacity],
            withdrawn=withdrawn,
            by=by_staff.pk,
        )
        places_publish(group=group, cause=Publication.Cause.CAPACITY)
    return group


GROUP_CAPACITY_MAX = 60  # the group_capacity_sane check
CLOSE_REASON_MIN = 5


def group_close(*, group: Group, by_staff: User, reason: str) -> Group:
    """Close a group: a state with its date and written reason, never a deletion. Refused (409) while
    children are enrolled in it (transfer them first) or directions to it are live; its open places are
    withdrawn."""
    reason = reason.strip()
    if len(reason) < CLOSE_REASON_MIN:
        raise ValidationFailed(_("Write the reason of closing the group."), code="reason_required")
    directions_expire_due(group_id=group.pk)
    with transaction.atomic():
        group = group_lock(group.pk)
        if not group.is_active:
            raise Conflict(_("The group is already closed."), code="group_closed")
        seats = selectors.group_seats(group=group)
        if seats.enrolled:
            raise Conflict(
                _("Children are enrolled in this group: transfer them to other groups first."),
                code="group_has_children",
            )
        if seats.directions:
            raise Conflict(
                _("Directions to this group are still valid: close it once they are used or expired."),
                code="group_has_directions",
            )
        withdrawn = _withdraw_open(group)
        group.is_active = False
        group.closed_at = clock.now()
        group.closed_reason = reason
        group.save(update_fields=["is_active", "closed_at", "closed_reason"])
        group_event_append(
            "group.closed",
            subject_type="group",
            subject_id=group.pk,
            group=group,
            reason=reason,
            withdrawn=withdrawn,
            by=by_staff.pk,
        )
    return group


def enrollment_transfer(
    *, enrollment: Enrollment, to_group: Group, by_staff: User, closing: bool = False
) -> Enrollment:
    """Move an enrolled child to another active group of the same organisation, of the child's ages (P3),
    with a free seat: the enrolment moves (its direction and date stay), the target's seat is taken (an
    open place, else a seat not yet published; none → 409).

    `closing`: the old group is being closed — the freed seat leaves with the child (its capacity goes
    down by one) and is not published. Otherwise the freed seat is published at once (P1)."""
    with transaction.atomic():
        source_id = Enrollment.objects.values_list("group_id", flat=True).get(pk=enrollment.pk)
        if source_id == to_group.pk:
            raise ValidationFailed(_("Choose another group."), code="same_group")
        locked = groups_lock((source_id, to_group.pk))  # lower id first
        enrollment = locks.enrollment_lock(enrollment.pk)
        if enrollment.left_on is not None or enrollment.group_id != source_id:
            raise Conflict(_("The child is no longer in this group."), code="status")
        source, target = locked[source_id], locked[to_group.pk]
        if target.organisation_id != source.organisation_id:
            raise ValidationFailed(_("Choose a group of the same organisation."), code="other_organisation")
        if not target.is_active:
            raise Conflict(_("The group is closed."), code="group_closed")
        _age_checked(birth_date=enrollment.child.birth_date, group=target, on=clock.today())
        place = _seat_fill(target)
        enrollment_move(
            enrollment=enrollment,
            source=source,
            target=target,
            place=place,
            by_staff=by_staff,
            closing=closing,
        )
        if not closing:
            places_publish(group=source, cause=Publication.Cause.DEPARTURE)
    return enrollment


def enrollment_move(
    *,
    enrollment: Enrollment,
    source: Group,
    target: Group,
    place: Place | None,
    by_staff: User,
    closing: bool = False,
    **evidence: object,
) -> None:
    """The move itself, inside the caller's transaction with both groups and the enrolment locked and the
    target's seat accounted for (`place`, or None when the seat is swapped — a place exchange's cycle,
    E76): the enrolment's group, its `enrollment.transferred` event (plus `evidence`) and signal."""
    enrollment.group = target
    enrollment.save(update_fields=["group"])
    if closing:
        source.capacity = max(source.capacity - 1, 0)
        source.save(update_fields=["capacity"])
    group_event_append(
        "enrollment.transferred",
        subject_type="enrollment",
        subject_id=enrollment.pk,
        group=source,
        to_group=target.pk,
        place=place.pk if place else None,
        closing=closing,
        capacity=source.capacity,
        by=by_staff.pk,
        **evidence,
    )
    signals.enrollment_transferred.send(
        sender=Enrollment, enrollment=enrollment, by_staff=by_staff, from_group=source, on=clock.today()
    )


def locality_settings_update(
    *, locality: Locality, by_staff: User, priority_ratio: int | None = None, **changes: object
) -> int:
    """The department's settings page: the queue's ratio (`waitlist.services.queue_settings_update`) and
    the distribution settings (`placement_settings_update`), only what changed, each its own public
    ledger event naming the staff user. Returns how many settings events were written."""
    from kezek.waitlist.selectors import priority_ratio as ratio_in_force

    written = 0
    with transaction.atomic():
        if priority_ratio is not None and priority_ratio != ratio_in_force(locality_id=locality.pk):
            waitlist.queue_settings_update(
                locality=locality, priority_ratio=priority_ratio, by_staff=by_staff
            )
            written += 1
        current = selectors.placement_settings(locality=locality)
        missing = object()
        changed = {name: value for name, value in changes.items() if getattr(current, name, missing) != value}
        if changed:
            placement_settings_update(locality=locality, by_staff=by_staff, **changed)
            written += 1
    return written
