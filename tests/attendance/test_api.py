"""The timesheet's API (E11, E13, E14): every refusal a translated `{code, detail}` with nothing written."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from kezek.attendance.models import ChildMonth, Dispute, Mark, TimesheetMonth
from tests.factories import staff_login

from .conftest import Kindergarten, at, mark_days, mark_month
from .test_pages import cabinet_login

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 10, 14)
OCTOBER = dt.date(2026, 10, 1)
BASE = "/api/v1/staff/attendance/groups"


def test_a_teacher_marks_a_day_through_the_api(kg: Kindergarten) -> None:
    client = staff_login(Client(), kg.teacher)
    url = f"{BASE}/{kg.group.pk}/days/{DAY.isoformat()}"
    absent = kg.enrollments[2]
    with time_machine.travel(at(DAY, 17), tick=False):
        got = client.get(url)
        assert got.status_code == 200
        assert got.json()["children"] == [
            e.pk for e in sorted(kg.enrollments, key=lambda e: (e.child.last_name, e.child.first_name, e.pk))
        ]
        bad = client.post(
            url,
            {"absences": [{"enrollment": absent.pk, "reason": "holiday"}]},
            content_type="application/json",
        )
        assert bad.status_code == 422
        assert Mark.objects.count() == 0
        done = client.post(
            url, {"absences": [{"enrollment": absent.pk, "reason": "leave"}]}, content_type="application/json"
        )
        assert done.status_code == 201
        assert {m["enrollment"]: m["reason"] for m in done.json()["marks"]}[absent.pk] == "leave"
        twice = client.post(url, {"absences": []}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="kk")
        assert twice.status_code == 409
        assert twice.json()["code"] == "day_marked"
        changed = client.post(
            f"{url}/marks", {"enrollment": absent.pk, "present": True}, content_type="application/json"
        )
        assert changed.status_code == 200
        assert changed.json()["present"] is True
        future = client.post(
            f"{BASE}/{kg.group.pk}/days/2026-10-15", {"absences": []}, content_type="application/json"
        )
        assert (future.status_code, future.json()["code"]) == (422, "day_future")
    assert Mark.objects.count() == 3


def test_the_head_submits_and_parents_answer_through_the_api(kg: Kindergarten) -> None:
    days = mark_month(kg, OCTOBER)
    head = staff_login(Client(), kg.head)
    teacher = staff_login(Client(), kg.teacher)
    submit = f"{BASE}/{kg.group.pk}/months/2026-10-01/submit"
    with time_machine.travel(at(dt.date(2026, 11, 1)), tick=False):
        refused = teacher.post(submit)
        assert (refused.status_code, refused.json()["code"]) == (403, "head_only")
        done = head.post(submit)
        assert done.status_code == 200
        assert done.json()["state"] == "submitted"
        assert len(done.json()["sheet_sha256"]) == 64
    mine = ChildMonth.objects.get(enrollment=kg.enrollments[0])
    theirs = ChildMonth.objects.get(enrollment=kg.enrollments[1])
    parent = cabinet_login(Client(), kg.applicants[0])
    with time_machine.travel(at(dt.date(2026, 11, 2)), tick=False):
        listed = parent.get("/api/v1/cabinet/attendance")
        assert [m["id"] for m in listed.json()] == [mine.pk]
        assert parent.get(f"/api/v1/cabinet/attendance/{theirs.pk}").status_code == 404
        assert parent.post(f"/api/v1/cabinet/attendance/{theirs.pk}/approve").status_code == 404
        empty = parent.post(
            f"/api/v1/cabinet/attendance/{mine.pk}/dispute", {"days": []}, content_type="application/json"
        )
        assert empty.status_code == 422
        disputed = parent.post(
            f"/api/v1/cabinet/attendance/{mine.pk}/dispute",
            {"days": [{"day": days[1].isoformat(), "comment": "Ill at home"}]},
            content_type="application/json",
        )
        assert disputed.status_code == 200
        assert disputed.json()["state"] == "disputed"
        again = parent.post(f"/api/v1/cabinet/attendance/{mine.pk}/approve")
        assert (again.status_code, again.json()["code"]) == (409, "answered")
    with time_machine.travel(at(dt.date(2026, 11, 8)), tick=False):
        late = cabinet_login(Client(), kg.applicants[1]).post(
            f"/api/v1/cabinet/attendance/{theirs.pk}/approve"
        )
        assert (late.status_code, late.json()["code"]) == (409, "window_closed")
    assert Dispute.objects.count() == 1
    assert TimesheetMonth.objects.get().state == "submitted"
    assert Client().get("/api/v1/cabinet/attendance").status_code == 401


def test_other_roles_and_kindergartens_are_refused(kg: Kindergarten) -> None:
    from .conftest import make_kindergarten

    other = make_kindergarten(1)
    url = f"{BASE}/{kg.group.pk}/days/{DAY.isoformat()}"
    with time_machine.travel(at(DAY, 17), tick=False):
        assert (
            staff_login(Client(), kg.operator)
            .post(url, {"absences": []}, content_type="application/json")
            .status_code
            == 403
        )
        assert (
            staff_login(Client(), other.teacher)
            .post(url, {"absences": []}, content_type="application/json")
            .status_code
            == 404
        )
        assert Client().post(url, {"absences": []}, content_type="application/json").status_code == 401
    mark_days(kg, [])
    assert Mark.objects.count() == 0
