"""Writes of development monitoring (E42–E47). Each change is one transaction with its ledger event: a
child's card saved (its salted sha256, E46), a point locked (the sha256 of its cards), a locality's dates
of a point set. A refusal is a translated 4xx and writes nothing (a point is created only together with
its first card or its lock)."""

import datetime as dt
import secrets
from collections.abc import Mapping

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kezek.attendance.selectors import assignments_current, enrolled_on_day
from kezek.core import clock
from kezek.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kezek.facilities.locks import group_lock
from kezek.facilities.models import Group, Locality
from kezek.ledger.services import ledger_append
from kezek.staff.models import DEPARTMENT_ROLES, Role, StaffProfile
from kezek.waitlist.models import Applicant

from . import locks, selectors
from .hashing import card_sha256, cards_sha256
from .models import Card, CardMark, CardRead, Indicator, Level, Point, PointDates

FILLERS = (Role.TEACHER, Role.KINDERGARTEN_HEAD, Role.ADMINISTRATOR)
LOCKERS = (Role.KINDERGARTEN_HEAD, Role.ADMINISTRATOR)
DATE_SETTERS = (*DEPARTMENT_ROLES, Role.ADMINISTRATOR)


def _profile(user: User) -> StaffProfile:
    profile = StaffProfile.objects.filter(user_id=user.pk, is_active=True).first()
    if profile is None:
        raise PermissionDenied(_("This account has no back-office role."))
    return profile


def _may_fill(user: User, group: Group, today: dt.date) -> None:
    """E43: the group's teacher (assigned today), the kindergarten's head, or an administrator."""
    profile = _profile(user)
    if profile.role == Role.ADMINISTRATOR:
        return
    if profile.organisation_id != group.organisation_id:
        raise NotFound(_("Group not found."))
    if profile.role == Role.KINDERGARTEN_HEAD:
        return
    if profile.role == Role.TEACHER and assignments_current(profile_id=profile.pk, on=today).filter(
        group=group
    ):
        return
    raise PermissionDenied(_("You do not keep the monitoring of this group."), code="not_assigned")


def _may_lock(user: User, group: Group) -> None:
    profile = _profile(user)
    if profile.role == Role.ADMINISTRATOR:
        return
    if profile.organisation_id != group.organisation_id:
        raise NotFound(_("Group not found."))
    if profile.role != Role.KINDERGARTEN_HEAD:
        raise PermissionDenied(_("Only the kindergarten's head may lock a point."), code="head_only")


def _started(group: Group, period: str, today: dt.date) -> None:
    first, _last = selectors.group_window(group, period)
    if today < first:
        raise Conflict(
            _("This monitoring point starts on %(day)s.") % {"day": f"{first:%d.%m.%Y}"}, code="not_started"
        )


def _point(group: Group, period: str, today: dt.date) -> Point:
    """The group's point, created open with the template in force (E41) if needed, locked; under the
    group's lock (no race between two first cards)."""
    point, _created = Point.objects.get_or_create(
        group=group, period=period, defaults={"template": selectors.template_current(today)}
    )
    return locks.point_lock(point.pk)


def _unlocked(point: Point) -> None:
    if point.is_locked:
        raise Conflict(
            _("The monitoring point is locked: its cards can no longer be changed."), code="point_locked"
        )


def _ledger(
    kind: str, point: Point, group: Group, *, subject_type: str, subject_id: int, **payload: object
) -> None:
    ledger_append(
        kind=kind,
        subject_type=subject_type,
        subject_id=str(subject_id),
        locality_code=group.organisation.locality.code,
        payload={
            "point": point.pk,
            "group": group.pk,
            "organisation": group.organisation_id,
            "school_year": group.academic_year,
            "period": point.period,
            "template": point.template.version,
            **payload,
        },
    )


def _marks_checked(point: Point, group: Group, marks: Mapping[str, str]) -> list[tuple[Indicator, Level]]:
    """E43: a level of the template for every indicator of the group's age band, and nothing else."""
    indicators = {
        i.code: i
        for i in Indicator.objects.filter(area__template=point.template, age=selectors.band_of(group))
    }
    levels = {level.code: level for level in Level.objects.filter(template=point.template)}
    for code, level in marks.items():
        if code not in indicators:
            raise ValidationFailed(
                _("The indicator %(code)s is not in the template of this point.") % {"code": code[:40]},
                code="indicator_invalid",
            )
        if level not in levels:
            raise ValidationFailed(
                _("Choose a level of the template (high, medium or low)."), code="level_invalid"
            )
    if set(indicators) - set(marks):
        raise ValidationFailed(_("Choose a level for every indicator of the card."), code="marks_missing")
    return [(indicators[code], levels[level]) for code, level in sorted(marks.items())]


def card_save(
    *, group: Group, period: str, enrollment_id: int, marks: Mapping[str, str], by_staff: User
) -> Card:
    """E43, E46: save a child's card at the group's point — every indicator of the group's age band with
    a level of the point's template. Saving again replaces it while the point is open (E44: 409 once
    locked). The ledger event carries the card's salted sha256 and a count, never a level."""
    period = selectors.period_checked(period)
    today = clock.today()
    _may_fill(by_staff, group, today)
    _started(group, period, today)
    with transaction.atomic():
        group = group_lock(group.pk)
        point = _point(group, period, today)
        _unlocked(point)
        enrollment = enrolled_on_day(group_id=group.pk, day=today).filter(pk=enrollment_id).first()
        if enrollment is None:
            raise ValidationFailed(_("The child is not in this group."), code="not_in_group")
        checked = _marks_checked(point, group, marks)
        salt = secrets.token_hex(16)
        digest = card_sha256(
            point=point.pk,
            enrollment=enrollment.pk,
            template=point.template.version,
            salt=salt,
            marks=[(indicator.code, level.code) for indicator, level in checked],
        )
        card, _created = Card.objects.update_or_create(
            point=point,
            enrollment=enrollment,
            defaults={
                "child_id": enrollment.child_id,
                "salt": salt,
                "sha256": digest,
                "filled_at": clock.now(),
                "filled_by": by_staff,
            },
        )
        CardMark.objects.filter(card=card).delete()
        CardMark.objects.bulk_create([CardMark(card=card, indicator=i, level=lv) for i, lv in checked])
        _ledger(
            "monitoring.card_saved",
            point,
            group,
            subject_type="monitoring_card",
            subject_id=card.pk,
            card=card.pk,
            enrollment=enrollment.pk,
            sha256=digest,
            marks=len(checked),
            by=by_staff.pk,
        )
    return card


def point_lock(*, group: Group, period: str, by_staff: User) -> Point:
    """E44: the head locks the group's point once it has started and has a card: its cards are frozen
    (the database refuses any change after), the sha256 of its cards goes to the ledger."""
    period = selectors.period_checked(period)
    today = clock.today()
    _may_lock(by_staff, group)
    _started(group, period, today)
    with transaction.atomic():
        group = group_lock(group.pk)
        point = _point(group, period, today)
        if point.is_locked:
            raise Conflict(_("The monitoring point is already locked."), code="point_locked")
        cards = list(Card.objects.filter(point=point).values_list("pk", "sha256"))
        if not cards:
            raise Conflict(_("No card is filled at this point yet."), code="no_cards")
        point.state, point.locked_at, point.locked_by = Point.State.LOCKED, clock.now(), by_staff
        point.cards_sha256 = cards_sha256(point=point.pk, cards=cards)
        point.save(update_fields=["state", "locked_at", "locked_by", "cards_sha256"])
        _ledger(
            "monitoring.point_locked",
            point,
            group,
            subject_type="monitoring_point",
            subject_id=point.pk,
            cards=len(cards),
            cards_sha256=point.cards_sha256,
            by=by_staff.pk,
        )
    return point


def point_dates_set(
    *,
    locality: Locality,
    school_year: int,
    period: str,
    first_day: dt.date,
    last_day: dt.date,
    by_staff: User,
) -> PointDates:
    """E42: the department sets its locality's dates of a point (inside the school year, first ≤ last)."""
    period = selectors.period_checked(period)
    profile = _profile(by_staff)
    if profile.role not in DATE_SETTERS:
        raise PermissionDenied(_("Your role does not allow this."), code="role")
    if profile.role != Role.ADMINISTRATOR and profile.locality_id != locality.pk:
        raise NotFound(_("Not found."))
    if last_day < first_day:
        raise ValidationFailed(_("The last day is before the first."), code="date_invalid")
    if not dt.date(school_year, 9, 1) <= first_day <= last_day <= dt.date(school_year + 1, 8, 31):
        raise ValidationFailed(_("The dates must be inside the school year."), code="date_outside_year")
    with transaction.atomic():
        row, _created = PointDates.objects.update_or_create(
            locality=locality,
            school_year=school_year,
            period=period,
            defaults={"first_day": first_day, "last_day": last_day},
        )
        ledger_append(
            kind="monitoring.dates_set",
            subject_type="locality",
            subject_id=str(locality.pk),
            locality_code=locality.code,
            payload={
                "dates": row.pk,
                "school_year": school_year,
                "period": period,
                "first_day": first_day,
                "last_day": last_day,
                "by": by_staff.pk,
            },
        )
    return row


def card_read_record(*, card: Card, applicant: Applicant) -> CardRead:
    """E45: the parent's first view of a card is recorded once (later views change nothing)."""
    found = CardRead.objects.filter(card=card, applicant=applicant).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return CardRead.objects.create(card=card, applicant=applicant, read_at=clock.now())
    except IntegrityError:  # two tabs at once: the first one counts
        return CardRead.objects.get(card=card, applicant=applicant)
