"""The pages (E11, E13, E14, E16, E18): the teacher's day at any group size in a constant number of
queries, the head's submission, the parent's answer in the cabinet, the department's disputes and flags."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from kezek.attendance.models import ChildMonth, Dispute, Mark, TimesheetMonth
from tests.factories import staff_login

from .conftest import Kindergarten, at, mark_month

pytestmark = pytest.mark.django_db
OCTOBER = dt.date(2026, 10, 1)
DAY = dt.date(2026, 10, 14)


def cabinet_login(client: Client, applicant: object) -> Client:
    from kezek.cabinet.sessions import sign_in

    request = type("R", (), {})()
    session = client.session
    request.session = session
    sign_in(request, applicant)  # type: ignore[arg-type]
    session.save()
    client.cookies["sessionid"] = session.session_key  # type: ignore[assignment]
    return client


def test_the_teacher_marks_a_day_on_the_page(kg: Kindergarten) -> None:
    client = staff_login(Client(), kg.teacher)
    url = reverse("staff:attendance_day", args=[kg.group.pk, DAY.isoformat()])
    with time_machine.travel(at(DAY, 17), tick=False):
        page = client.get(url)
        assert page.status_code == 200
        assert b"reason-" in page.content
        absent = kg.enrollments[1]
        done = client.post(url, {f"reason-{absent.pk}": "illness"})
        assert done.status_code == 302
        assert Mark.objects.filter(day=DAY).count() == 3
        assert Mark.objects.get(day=DAY, enrollment=absent).reason == "illness"
        again = client.post(url, {})
        assert again.status_code == 409
        assert Mark.objects.filter(day=DAY).count() == 3
        change = client.post(url, {"enrollment": absent.pk, "reason": ""})
        assert change.status_code == 302
        assert Mark.objects.get(day=DAY, enrollment=absent).present


def test_a_future_day_is_refused_on_the_page(kg: Kindergarten) -> None:
    client = staff_login(Client(), kg.teacher)
    with time_machine.travel(at(DAY, 9), tick=False):
        url = reverse("staff:attendance_day", args=[kg.group.pk, (DAY + dt.timedelta(days=1)).isoformat()])
        assert client.post(url, {}).status_code == 422
    assert Mark.objects.count() == 0


def test_another_kindergartens_teacher_gets_404(kg: Kindergarten) -> None:
    from .conftest import make_kindergarten

    other = make_kindergarten(1)
    client = staff_login(Client(), other.teacher)
    with time_machine.travel(at(DAY, 17), tick=False):
        url = reverse("staff:attendance_day", args=[kg.group.pk, DAY.isoformat()])
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code == 404
    assert Mark.objects.count() == 0


@pytest.mark.parametrize("size", [3, 12])
def test_the_group_pages_cost_constant_queries(size: int, django_assert_max_num_queries: object) -> None:
    from .conftest import make_kindergarten

    k = make_kindergarten(size)
    mark_month(k, OCTOBER)
    client = staff_login(Client(), k.head)
    with time_machine.travel(at(dt.date(2026, 10, 31)), tick=False):
        with django_assert_max_num_queries(25):  # type: ignore[operator]
            assert (
                client.get(reverse("staff:attendance_month", args=[k.group.pk, "2026-10"])).status_code == 200
            )
        with django_assert_max_num_queries(25):  # type: ignore[operator]
            assert (
                client.get(reverse("staff:attendance_day", args=[k.group.pk, "2026-10-30"])).status_code
                == 200
            )


def test_head_submits_parent_answers_department_resolves(kg: Kindergarten) -> None:
    days = mark_month(kg, OCTOBER)
    head = staff_login(Client(), kg.head)
    url = reverse("staff:attendance_month", args=[kg.group.pk, "2026-10"])
    with time_machine.travel(at(dt.date(2026, 11, 1)), tick=False):
        assert head.post(url).status_code == 302
    assert TimesheetMonth.objects.get().state == "submitted"
    parent = cabinet_login(Client(), kg.applicants[0])
    other_parent = cabinet_login(Client(), kg.applicants[1])
    mine = ChildMonth.objects.get(enrollment=kg.enrollments[0])
    page = reverse("cabinet:attendance_month", args=[mine.pk])
    with time_machine.travel(at(dt.date(2026, 11, 3)), tick=False):
        assert parent.get(reverse("cabinet:attendance")).status_code == 200
        assert other_parent.get(page).status_code == 404  # another family's month
        assert other_parent.post(page, {"answer": "approve"}).status_code == 404
        day = days[2].isoformat()
        refused = parent.post(page, {"answer": "dispute", "day": day, "comment-" + day: ""})
        assert refused.status_code == 422
        assert Dispute.objects.count() == 0
        assert (
            parent.post(
                page, {"answer": "dispute", "day": day, "comment-" + day: "She was at home"}
            ).status_code
            == 302
        )
    assert ChildMonth.objects.get(pk=mine.pk).state == "disputed"
    operator = staff_login(Client(), kg.operator)
    with time_machine.travel(at(dt.date(2026, 11, 4)), tick=False):
        assert operator.get(reverse("staff:attendance_disputes")).status_code == 200
        dispute = Dispute.objects.get()
        done = operator.post(
            reverse("staff:attendance_disputes"),
            {
                "dispute": dispute.pk,
                "decision": "absent",
                "reason": "illness",
                "note": "Confirmed by the nurse",
            },
        )
        assert done.status_code == 302
        assert operator.get(reverse("staff:attendance_flags")).status_code == 200
    assert ChildMonth.objects.get(pk=mine.pk).state == "resolved"


def test_the_head_assigns_a_teacher_and_records_a_quarantine(kg: Kindergarten) -> None:
    from kezek.attendance.models import Closure, TeacherAssignment
    from kezek.staff.models import Role, StaffProfile
    from tests.factories import staff_user

    newcomer = StaffProfile.objects.get(user=staff_user(role=Role.TEACHER, organisation=kg.organisation))
    head = staff_login(Client(), kg.head)
    url = reverse("staff:attendance_setup")
    with time_machine.travel(at(DAY, 9), tick=False):
        assert head.get(url).status_code == 200
        done = head.post(
            url, {"action": "assign", "teacher": newcomer.pk, "group": kg.group.pk, "since": "2026-10-14"}
        )
        assert done.status_code == 302
        assert TeacherAssignment.objects.filter(profile=newcomer, group=kg.group).exists()
        again = head.post(
            url, {"action": "assign", "teacher": newcomer.pk, "group": kg.group.pk, "since": "2026-10-14"}
        )
        assert again.status_code == 409
        bad = head.post(
            url,
            {"action": "closure", "kind": "quarantine", "first_day": "2026-10-20", "last_day": "2026-10-19"},
        )
        assert bad.status_code == 422
        assert Closure.objects.count() == 0
        ok = head.post(
            url,
            {
                "action": "closure",
                "kind": "quarantine",
                "group": kg.group.pk,
                "first_day": "2026-10-20",
                "last_day": "2026-10-23",
            },
        )
        assert ok.status_code == 302
        assert Closure.objects.get().group == kg.group
        teacher = staff_login(Client(), kg.teacher)
        assert teacher.get(url).status_code == 403


def test_the_head_corrects_a_mark_of_a_locked_month_on_the_page(kg: Kindergarten) -> None:
    from kezek.attendance import services
    from kezek.attendance.models import Correction

    days = mark_month(kg, OCTOBER)
    with time_machine.travel(at(dt.date(2026, 11, 1)), tick=False):
        services.month_submit(group=kg.group, month=OCTOBER, by_staff=kg.head)
    head = staff_login(Client(), kg.head)
    url = reverse("staff:attendance_month", args=[kg.group.pk, "2026-10"])
    body = {
        "action": "correction",
        "enrollment": kg.enrollments[0].pk,
        "day": days[0].isoformat(),
        "reason": "illness_certified",
        "note": "certificate brought late",
    }
    with time_machine.travel(at(dt.date(2026, 11, 5)), tick=False):
        assert head.post(url, body).status_code == 409  # not locked yet
        assert Correction.objects.count() == 0
    with time_machine.travel(at(dt.date(2026, 11, 9)), tick=False):
        page = head.get(url)
        assert b"correction-form" in page.content
        assert head.post(url, body).status_code == 302
        november = head.get(reverse("staff:attendance_month", args=[kg.group.pk, "2026-11"]))
        assert b"certificate brought late" in november.content
    assert Correction.objects.get().shown_in == dt.date(2026, 11, 1)
    assert Mark.objects.get(enrollment=kg.enrollments[0], day=days[0]).present
