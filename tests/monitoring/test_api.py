"""Development monitoring's JSON API (E43–E45): the teacher's point and card, the head's lock, the parent's
cards with the read receipt; the scope (another group's teacher 403, another kindergarten 404, another
parent's child 404) and bad input (a translated 4xx, nothing written: rows counted)."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from kezek.monitoring.models import CardRead
from tests.attendance.test_pages import cabinet_login
from tests.factories import OrganisationFactory, staff_login, staff_user

from .conftest import START_DAY, Kindergarten, all_marks, at, codes, counts, fill, lock

pytestmark = pytest.mark.django_db
BASE = "/api/v1/staff/monitoring"


def _body(marks: dict[str, str]) -> dict[str, object]:
    return {"marks": [{"indicator": code, "level": level} for code, level in marks.items()]}


def test_the_teacher_fills_and_the_head_locks_through_the_api(kg: Kindergarten) -> None:
    teacher = staff_login(Client(), kg.teacher)
    child = kg.enrollments[0]
    with time_machine.travel(at(START_DAY), tick=False):
        point = teacher.get(f"{BASE}/{kg.group.pk}/start")
        assert point.status_code == 200
        got = point.json()
        assert (got["state"], got["age_band"], got["template"]) == ("open", 2, 1)
        assert [i["code"] for i in got["indicators"]] == codes(kg.group)
        assert {c["enrollment"] for c in got["children"]} == {e.pk for e in kg.enrollments}
        assert teacher.get(f"{BASE}/{kg.group.pk}/start/cards/{child.pk}").status_code == 404
        saved = teacher.put(
            f"{BASE}/{kg.group.pk}/start/cards/{child.pk}", _body(all_marks(kg.group, "high")),
            content_type="application/json",
        )  # fmt: skip
        assert saved.status_code == 200, saved.content
        card = saved.json()
        assert (card["locked"], len(card["marks"]), card["read_at"]) == (False, 10, None)
        assert {m["level"] for m in card["marks"]} == {"high"}
        head = staff_login(Client(), kg.head)
        locked = head.post(f"{BASE}-locks/{kg.group.pk}/start")
        assert locked.status_code == 200
        assert locked.json()["state"] == "locked"
        assert len(locked.json()["cards_sha256"]) == 64
        again = head.post(f"{BASE}-locks/{kg.group.pk}/start", HTTP_ACCEPT_LANGUAGE="kk")
        assert (again.status_code, again.json()["code"]) == (409, "point_locked")
        assert teacher.get(f"{BASE}/{kg.group.pk}/start/cards/{child.pk}").json()["locked"] is True


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        (lambda m: {**m, "health-9-9": "high"}, 422, "indicator_invalid"),  # not in the template
        (lambda m: {**m, "health-4-1": "high"}, 422, "indicator_invalid"),  # another age band's
        (lambda m: {**m, next(iter(m)): "excellent"}, 422, "level_invalid"),  # not a level of the template
        (lambda m: dict(list(m.items())[1:]), 422, "marks_missing"),
    ],
)
def test_bad_marks_are_refused_and_nothing_is_written(
    kg: Kindergarten, change, status: int, code: str
) -> None:
    teacher = staff_login(Client(), kg.teacher)
    before = counts()
    with time_machine.travel(at(START_DAY), tick=False):
        got = teacher.put(
            f"{BASE}/{kg.group.pk}/start/cards/{kg.enrollments[0].pk}",
            _body(change(all_marks(kg.group))), content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru",
        )  # fmt: skip
    assert (got.status_code, got.json()["code"]) == (status, code)
    assert isinstance(got.json()["detail"], str)
    assert got.json()["detail"]
    assert counts() == before


def test_a_mark_for_a_locked_point_or_a_child_of_another_group_is_refused(kg: Kindergarten) -> None:
    fill(kg)
    lock(kg)
    teacher = staff_login(Client(), kg.teacher)
    from tests.attendance.conftest import make_kindergarten

    other = make_kindergarten(1)
    before = counts()
    with time_machine.travel(at(START_DAY), tick=False):
        locked = teacher.put(
            f"{BASE}/{kg.group.pk}/start/cards/{kg.enrollments[1].pk}", _body(all_marks(kg.group)),
            content_type="application/json",
        )  # fmt: skip
        assert (locked.status_code, locked.json()["code"]) == (409, "point_locked")
        stranger = teacher.put(
            f"{BASE}/{kg.group.pk}/middle/cards/{other.enrollments[0].pk}", _body(all_marks(kg.group)),
            content_type="application/json",
        )  # fmt: skip
        assert stranger.status_code == 409  # the middle point has not started in September
        wrong_period = teacher.get(f"{BASE}/{kg.group.pk}/autumn")
        assert (wrong_period.status_code, wrong_period.json()["code"]) == (422, "period_invalid")
    with time_machine.travel(at(START_DAY.replace(month=10)), tick=False):
        from kezek.monitoring.models import PointDates

        PointDates.objects.create(locality=kg.organisation.locality, school_year=2026, period="middle",
                                  first_day=START_DAY, last_day=START_DAY.replace(month=11))  # fmt: skip
        before = counts()
        teacher = staff_login(Client(), kg.teacher)  # a new session a month on
        stranger = teacher.put(
            f"{BASE}/{kg.group.pk}/middle/cards/{other.enrollments[0].pk}", _body(all_marks(kg.group)),
            content_type="application/json",
        )  # fmt: skip
        assert (stranger.status_code, stranger.json()["code"]) == (422, "not_in_group")
    assert counts() == before


def test_the_scope_of_teachers_and_kindergartens(kg: Kindergarten) -> None:
    """E43: another group's teacher gets a 403, another kindergarten's staff a 404, a parent a 401."""
    other_teacher = staff_login(Client(), staff_user(role="teacher", organisation=kg.organisation))
    stranger = staff_login(
        Client(), staff_user(role="kindergarten_head", organisation=OrganisationFactory.create())
    )
    before = counts()
    with time_machine.travel(at(START_DAY), tick=False):
        url = f"{BASE}/{kg.group.pk}/start/cards/{kg.enrollments[0].pk}"
        body = _body(all_marks(kg.group))
        assert other_teacher.get(f"{BASE}/{kg.group.pk}/start").status_code == 403
        assert other_teacher.put(url, body, content_type="application/json").status_code == 403
        assert stranger.get(f"{BASE}/{kg.group.pk}/start").status_code == 404
        assert stranger.put(url, body, content_type="application/json").status_code == 404
        assert Client().put(url, body, content_type="application/json").status_code == 401
        teacher = staff_login(Client(), kg.teacher)
        assert teacher.post(f"{BASE}-locks/{kg.group.pk}/start").status_code == 403
    assert counts() == before


def test_the_parent_reads_their_own_childs_card_with_a_receipt(kg: Kindergarten) -> None:
    """E45: a card shows once its point is locked; the first view is recorded; another's card is a 404."""
    card = fill(kg)
    other = fill(kg, 1)
    parent = cabinet_login(Client(), kg.applicants[0])
    assert parent.get("/api/v1/cabinet/monitoring").json() == []  # not locked yet
    lock(kg)
    rows = parent.get("/api/v1/cabinet/monitoring").json()
    assert [r["id"] for r in rows] == [card.pk]
    with time_machine.travel(at(START_DAY.replace(day=20)), tick=False):
        first = parent.get(f"/api/v1/cabinet/monitoring/{card.pk}")
    assert first.status_code == 200
    assert dt.datetime.fromisoformat(first.json()["read_at"]) == at(START_DAY.replace(day=20))
    second = parent.get(f"/api/v1/cabinet/monitoring/{card.pk}")
    assert second.json()["read_at"] == first.json()["read_at"]
    assert CardRead.objects.count() == 1
    assert parent.get(f"/api/v1/cabinet/monitoring/{other.pk}").status_code == 404
    assert CardRead.objects.count() == 1
    teacher = staff_login(Client(), kg.teacher)
    staff_view = teacher.get(f"{BASE}/{kg.group.pk}/start/cards/{kg.enrollments[0].pk}").json()
    assert dt.datetime.fromisoformat(staff_view["read_at"]) == at(START_DAY.replace(day=20))
