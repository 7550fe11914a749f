"""Development monitoring in the JSON API (E43–E45): the teacher's point and a child's card (read, save),
the head's lock (staff session); the parent's cards, each first view recorded (cabinet session). Every
status each operation answers is declared; refusals are `{code, detail}`, translated, and write nothing."""

import datetime as dt

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from pydantic import Field

from kezek.cabinet.api import cabinet_auth
from kezek.core.auth import SIGNED_IN_ERRORS
from kezek.core.errors import NotFound, PermissionDenied, ValidationFailed
from kezek.core.schemas import ErrorOut
from kezek.facilities.models import Group
from kezek.staff.auth import staff_auth
from kezek.staff.selectors import Scope
from kezek.waitlist.models import Applicant

from . import selectors, services
from .models import Card, Point
from .views import READERS

router = Router(tags=["development monitoring"])
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class MonitoringIndicatorOut(Schema):
    code: str
    area: str
    text_kk: str
    text_ru: str


class MonitoringLevelOut(Schema):
    code: str
    score: int
    name_kk: str
    name_ru: str


class MonitoringChildOut(Schema):
    enrollment: int
    first_name: str
    last_name: str
    card: int | None = Field(description="the child's card at this point, if saved")


class MonitoringPointOut(Schema):
    group: int
    period: str = Field(description="start | middle | end")
    school_year: int
    state: str = Field(description="not_started | open | locked")
    first_day: dt.date
    last_day: dt.date
    template: int = Field(description="the template's version")
    age_band: int
    indicators: list[MonitoringIndicatorOut]
    levels: list[MonitoringLevelOut]
    children: list[MonitoringChildOut]
    cards_sha256: str


class MonitoringMarkOut(Schema):
    indicator: str
    level: str


class MonitoringCardOut(Schema):
    id: int
    group: int
    period: str
    school_year: int
    enrollment: int
    child_first_name: str
    template: int
    locked: bool
    sha256: str
    filled_at: dt.datetime
    marks: list[MonitoringMarkOut]
    read_at: dt.datetime | None = Field(description="the parent's first view of the card")


class MonitoringCardRowOut(Schema):
    id: int
    group: int
    organisation: int
    period: str
    school_year: int
    child_first_name: str


class MonitoringMarkIn(Schema):
    indicator: str = Field(max_length=40)
    level: str = Field(max_length=10)


class MonitoringCardIn(Schema):
    marks: list[MonitoringMarkIn] = Field(max_length=200)


def _group(request: HttpRequest, group_id: int, period: str) -> Group:
    scope: Scope = request.scope  # type: ignore[attr-defined]
    if scope.role not in READERS:
        raise PermissionDenied(_("Your role does not allow this."))
    selectors.period_checked(period)
    return selectors.group_of(scope, group_id)


def _point_out(sheet: selectors.Sheet) -> MonitoringPointOut:
    state = "locked" if sheet.locked else "open" if sheet.started else "not_started"
    return MonitoringPointOut(
        group=sheet.group.pk,
        period=sheet.period,
        school_year=sheet.group.academic_year,
        state=state,
        first_day=sheet.window[0],
        last_day=sheet.window[1],
        template=sheet.template.version,
        age_band=sheet.band,
        indicators=[
            MonitoringIndicatorOut(code=i.code, area=b.area.code, text_kk=i.text_kk, text_ru=i.text_ru)
            for b in sheet.blocks
            for i in b.indicators
        ],
        levels=[
            MonitoringLevelOut(code=lv.code, score=lv.score, name_kk=lv.name_kk, name_ru=lv.name_ru)
            for lv in sheet.levels
        ],
        children=[
            MonitoringChildOut(
                enrollment=e.pk,
                first_name=e.child.first_name,
                last_name=e.child.last_name,
                card=card.pk if card else None,
            )
            for e, card in sheet.rows
        ],
        cards_sha256=sheet.point.cards_sha256 if sheet.point is not None else "",
    )


def _card_out(card: Card, *, read_at: dt.datetime | None) -> MonitoringCardOut:
    view = selectors.card_view(card)
    point: Point = card.point
    return MonitoringCardOut(
        id=card.pk,
        group=point.group_id,
        period=point.period,
        school_year=point.group.academic_year,
        enrollment=card.enrollment_id,
        child_first_name=card.child.first_name,
        template=point.template.version,
        locked=point.is_locked,
        sha256=card.sha256,
        filled_at=card.filled_at,
        marks=[
            MonitoringMarkOut(indicator=i.code, level=level.code)
            for _block, items in view.rows()
            for i, level in items
            if level is not None
        ],
        read_at=read_at,
    )


def _staff_card(group: Group, period: str, enrollment_id: int) -> Card:
    found = (
        Card.objects.filter(point__group=group, point__period=period, enrollment_id=enrollment_id)
        .select_related("child", "point__group", "point__template")
        .first()
    )
    if found is None:
        raise NotFound(_("No card is saved for this child at this point."))
    return found


def _first_read(card: Card) -> dt.datetime | None:
    reads = selectors.card_reads(card)
    return reads[0].read_at if reads else None


@router.get(
    "/staff/monitoring/{group_id}/{period}",
    response={200: MonitoringPointOut, **READ_ERRORS},
    auth=staff_auth,
    summary="Kindergarten: a group's monitoring point — its template, children and cards (E43)",
)
def staff_point(request: HttpRequest, group_id: int, period: str) -> MonitoringPointOut:
    return _point_out(selectors.sheet(_group(request, group_id, period), period))


@router.get(
    "/staff/monitoring/{group_id}/{period}/cards/{enrollment_id}",
    response={200: MonitoringCardOut, **READ_ERRORS},
    auth=staff_auth,
    summary="Kindergarten: a child's development card at a point",
)
def staff_card(request: HttpRequest, group_id: int, period: str, enrollment_id: int) -> MonitoringCardOut:
    card = _staff_card(_group(request, group_id, period), period, enrollment_id)
    return _card_out(card, read_at=_first_read(card))


@router.put(
    "/staff/monitoring/{group_id}/{period}/cards/{enrollment_id}",
    response={200: MonitoringCardOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Teacher: save a child's development card — a level for every indicator (E43, E46)",
)
def staff_card_save(
    request: HttpRequest, group_id: int, period: str, enrollment_id: int, data: MonitoringCardIn
) -> MonitoringCardOut:
    staff: User = request.auth  # type: ignore[attr-defined]
    group = _group(request, group_id, period)
    marks = {m.indicator: m.level for m in data.marks}
    if len(marks) != len(data.marks):
        raise ValidationFailed(_("Each indicator can have one level only."), code="indicator_twice")
    services.card_save(group=group, period=period, enrollment_id=enrollment_id, marks=marks, by_staff=staff)
    card = _staff_card(group, period, enrollment_id)
    return _card_out(card, read_at=_first_read(card))


@router.post(
    "/staff/monitoring-locks/{group_id}/{period}",
    response={200: MonitoringPointOut, **SIGNED_IN_ERRORS},
    auth=staff_auth,
    summary="Kindergarten's head: lock a monitoring point — its cards are frozen (E44)",
)
def staff_point_lock(request: HttpRequest, group_id: int, period: str) -> MonitoringPointOut:
    staff: User = request.auth  # type: ignore[attr-defined]
    group = _group(request, group_id, period)
    services.point_lock(group=group, period=period, by_staff=staff)
    return _point_out(selectors.sheet(group, period))


@router.get(
    "/cabinet/monitoring",
    response={200: list[MonitoringCardRowOut], 401: ErrorOut},
    auth=cabinet_auth,
    summary="My children's development cards (of locked points)",
)
def my_cards(request: HttpRequest) -> list[MonitoringCardRowOut]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    return [
        MonitoringCardRowOut(
            id=c.pk,
            group=c.point.group_id,
            organisation=c.point.group.organisation_id,
            period=c.point.period,
            school_year=c.point.group.academic_year,
            child_first_name=c.child.first_name,
        )
        for c in selectors.cards_of_parent(applicant)[:100]
    ]


@router.get(
    "/cabinet/monitoring/{card_id}",
    response={200: MonitoringCardOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=cabinet_auth,
    summary="My child's development card; the first view is recorded (E45)",
)
def my_card(request: HttpRequest, card_id: int) -> MonitoringCardOut:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    card = selectors.card_of_parent(applicant, card_id)
    services.card_read_record(card=card, applicant=applicant)
    return _card_out(card, read_at=_first_read(card))
