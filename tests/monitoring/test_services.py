"""Development monitoring's rules (E40–E47): the template as versioned data, cards and their hashes on the
ledger, the lock (refused by the database too), dates per locality, the integrity diff."""

import datetime as dt
import json

import pytest
import time_machine
from django.db import DatabaseError, transaction
from hypothesis import given
from hypothesis import strategies as st

from kezek.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kezek.integrity.diff import integrity_check
from kezek.ledger.models import LedgerEvent
from kezek.monitoring import selectors, services
from kezek.monitoring.hashing import card_sha256
from kezek.monitoring.models import Area, Card, CardMark, Indicator, Level, Point, Template
from kezek.translog.public import public_form
from tests.factories import LocalityFactory, OrganisationFactory, staff_user
from tests.integrity.tampering import tamper

from .conftest import START_DAY, Kindergarten, at, codes, counts, fill, lock

pytestmark = pytest.mark.django_db


def test_the_template_is_the_standards_five_areas_three_levels_and_its_source() -> None:
    """E40: the state standard's five areas, high/medium/low, indicators for each age band 1–5."""
    template = Template.objects.get(version=1)
    assert list(template.areas.values_list("code", flat=True)) == [
        "health", "communication", "cognition", "creativity", "social",
    ]  # fmt: skip
    assert list(template.areas.values_list("name_ru", flat=True)) == [
        "Здоровье", "Коммуникация", "Познание", "Творчество", "Социум",
    ]  # fmt: skip
    assert [(lv.code, lv.score) for lv in template.levels.all()] == [("high", 3), ("medium", 2), ("low", 1)]
    for age in range(1, 6):
        per_area = Indicator.objects.filter(area__template=template, age=age).values_list(
            "area__code", flat=True
        )
        assert sorted(set(per_area)) == sorted(a.code for a in template.areas.all())
    assert "348" in template.source
    assert "SAMPLE" in template.source


def test_a_card_is_saved_with_its_salted_hash_on_the_ledger(kg: Kindergarten) -> None:
    """E43, E46: every indicator of the band with a level; the event carries a hash and a count only."""
    card = fill(kg)
    assert CardMark.objects.filter(card=card).count() == len(codes(kg.group)) == 10
    marks = [(c, "medium") for c in codes(kg.group)]
    assert card.sha256 == card_sha256(
        point=card.point_id, enrollment=kg.enrollments[0].pk, template=1, salt=card.salt, marks=marks
    )
    event = LedgerEvent.objects.filter(kind="monitoring.card_saved").get()
    assert (event.payload["sha256"], event.payload["marks"]) == (card.sha256, 10)
    public = json.loads(public_form(event))
    assert set(public["data"]) == {"point", "group", "organisation", "school_year", "period", "template",
                                   "sha256", "marks"}  # fmt: skip
    assert public["subject_id"] == ""  # a card's id is not published
    again = fill(kg, level="high")
    assert again.pk == card.pk
    assert again.salt != card.salt
    assert again.sha256 != card.sha256
    assert set(CardMark.objects.filter(card=card).values_list("level__code", flat=True)) == {"high"}
    assert integrity_check().findings == []


def test_the_head_locks_a_point_and_nothing_changes_after(kg: Kindergarten) -> None:
    """E44: locked with the hash of its cards; a later save is a 409; the database refuses a change."""
    card = fill(kg)
    fill(kg, 1, level="high")
    point = lock(kg)
    assert point.is_locked
    assert len(point.cards_sha256) == 64
    event = LedgerEvent.objects.get(kind="monitoring.point_locked")
    assert (event.payload["cards"], event.payload["cards_sha256"]) == (2, point.cards_sha256)
    before = counts()
    with pytest.raises(Conflict) as refused:
        fill(kg, 2)
    assert refused.value.code == "point_locked"
    assert counts() == before
    with pytest.raises(Conflict):
        lock(kg)
    with pytest.raises(DatabaseError), transaction.atomic():
        CardMark.objects.filter(card=card).update(level=Level.objects.get(template__version=1, code="low"))
    with pytest.raises(DatabaseError), transaction.atomic():
        CardMark.objects.filter(card=card).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Point.objects.filter(pk=point.pk).update(state="open", locked_at=None, cards_sha256="")
    assert integrity_check().findings == []


def test_a_point_is_filled_from_its_first_day_and_locked_only_by_the_head(kg: Kindergarten) -> None:
    """E42, E44: before the window opens a save is a 409; a teacher cannot lock; an empty point neither."""
    with pytest.raises(Conflict) as early:
        fill(kg, on=dt.date(2026, 8, 31), by=kg.head)
    assert early.value.code == "not_started"
    with time_machine.travel(at(START_DAY), tick=False):
        with pytest.raises(Conflict) as empty:
            services.point_lock(group=kg.group, period="start", by_staff=kg.head)
        assert empty.value.code == "no_cards"
        fill(kg)
        with pytest.raises(PermissionDenied) as teacher:
            services.point_lock(group=kg.group, period="start", by_staff=kg.teacher)
        assert teacher.value.code == "head_only"
    assert not Point.objects.filter(state="locked").exists()


def test_a_new_template_version_never_rewrites_filled_cards(kg: Kindergarten) -> None:
    """E41: a point keeps the version it opened with; a later point opens with the new one."""
    card = fill(kg)
    v2 = Template.objects.create(version=2, title="v2", source="test", valid_from=dt.date(2026, 10, 1))
    for level in Level.objects.filter(template__version=1):
        Level.objects.create(template=v2, code=level.code, name_kk=level.name_kk, name_ru=level.name_ru,
                             score=level.score)  # fmt: skip
    for area in Area.objects.filter(template__version=1):
        new = Area.objects.create(template=v2, code=area.code, name_kk=area.name_kk, name_ru=area.name_ru,
                                  position=area.position)  # fmt: skip
        Indicator.objects.create(
            area=new, code=f"{area.code}-v2", age=2, text_kk="x", text_ru="x", position=1
        )
    again = fill(kg, level="high", on=dt.date(2026, 10, 5))
    assert again.point.template.version == 1
    assert set(
        CardMark.objects.filter(card=card).values_list("indicator__area__template__version", flat=True)
    ) == {1}
    with time_machine.travel(at(dt.date(2027, 1, 15)), tick=False):
        services.card_save(
            group=kg.group, period="middle", enrollment_id=kg.enrollments[0].pk,
            marks={f"{area.code}-v2": "low" for area in Area.objects.filter(template=v2)},
            by_staff=kg.teacher,
        )  # fmt: skip
    assert Point.objects.get(period="middle").template.version == 2
    assert Point.objects.get(period="start").template.version == 1


def test_a_locality_sets_its_dates_of_a_point(kg: Kindergarten) -> None:
    """E42: the department's dates replace the defaults; bad dates are a 422; another locality a 404."""
    locality = kg.organisation.locality
    assert selectors.point_window(locality_id=locality.pk, school_year=2026, period="start") == (
        dt.date(2026, 9, 1), dt.date(2026, 9, 30),
    )  # fmt: skip
    with time_machine.travel(at(dt.date(2026, 8, 20)), tick=False):
        services.point_dates_set(locality=locality, school_year=2026, period="start",
                                 first_day=dt.date(2026, 9, 20), last_day=dt.date(2026, 10, 5),
                                 by_staff=kg.operator)  # fmt: skip
        before = counts()
        for first, last, code in [
            (dt.date(2026, 10, 5), dt.date(2026, 9, 20), "date_invalid"),
            (dt.date(2026, 8, 20), dt.date(2026, 9, 5), "date_outside_year"),
        ]:
            with pytest.raises(ValidationFailed) as refused:
                services.point_dates_set(locality=locality, school_year=2026, period="start",
                                         first_day=first, last_day=last, by_staff=kg.operator)  # fmt: skip
            assert refused.value.code == code
        with pytest.raises(NotFound):
            services.point_dates_set(locality=LocalityFactory.create(), school_year=2026, period="end",
                                     first_day=dt.date(2027, 5, 1), last_day=dt.date(2027, 5, 2),
                                     by_staff=kg.operator)  # fmt: skip
        assert counts() == before
    with pytest.raises(Conflict):
        fill(kg)  # 15 September: before the locality's first day now
    fill(kg, on=dt.date(2026, 9, 21))
    assert integrity_check().findings == []


def test_a_teacher_of_another_group_may_not_fill(kg: Kindergarten) -> None:
    """E43: only the group's teacher (or the head); another kindergarten's staff see no group at all."""
    other = staff_user(role="teacher", organisation=kg.organisation)
    stranger = staff_user(role="kindergarten_head", organisation=OrganisationFactory.create())
    before = counts()
    with pytest.raises(PermissionDenied):
        fill(kg, by=other)
    with pytest.raises(NotFound):
        fill(kg, by=stranger)
    assert counts() == before
    assert fill(kg, by=kg.head).filled_by == kg.head


@pytest.mark.database_owner  # triggers off: only the owner may
def test_a_silent_edit_of_a_locked_card_is_found(kg: Kindergarten) -> None:
    """E47: a level changed behind the services' back no longer hashes to the ledger's sha256."""
    card = fill(kg)
    point = lock(kg)
    mark = CardMark.objects.filter(card=card).first()
    assert mark is not None
    tamper(CardMark, mark.pk, level=Level.objects.get(template__version=1, code="high"))
    found = [(f.kind, f.object) for f in integrity_check().findings]
    assert found == [("monitoring_card.sha256", f"monitoring card {card.pk}")]
    tamper(Point, point.pk, cards_sha256="0" * 64)
    assert ("monitoring_point.cards_sha256", f"monitoring point {point.pk}") in [
        (f.kind, f.object) for f in integrity_check().findings
    ]


@pytest.mark.database_owner  # triggers off: only the owner may
def test_a_point_reopened_in_sql_is_found(kg: Kindergarten) -> None:
    fill(kg)
    point = lock(kg)
    tamper(Point, point.pk, state="open", locked_at=None, cards_sha256="")
    assert {f.kind for f in integrity_check().findings} == {"monitoring_point.state"}
    assert Card.objects.count() == 1


@given(
    marks=st.dictionaries(
        st.text("abc-123", min_size=1, max_size=6),
        st.sampled_from(["high", "medium", "low"]),
        min_size=1,
        max_size=12,
    ),
    salt=st.text("0123456789abcdef", min_size=32, max_size=32),
)
def test_a_cards_hash_ignores_the_order_and_sees_any_level(marks: dict[str, str], salt: str) -> None:
    """E46: the canonical form sorts the marks; changing one level, or the salt, changes the hash."""
    items = list(marks.items())
    digest = card_sha256(point=1, enrollment=2, template=1, salt=salt, marks=items)
    assert digest == card_sha256(point=1, enrollment=2, template=1, salt=salt, marks=reversed(items))
    code, level = items[0]
    changed = [(code, "low" if level != "low" else "high"), *items[1:]]
    assert digest != card_sha256(point=1, enrollment=2, template=1, salt=salt, marks=changed)
    assert digest != card_sha256(point=1, enrollment=2, template=1, salt=salt[::-1] + "x", marks=items)
