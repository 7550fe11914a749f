"""Development monitoring's pages (E43–E49): the teacher's card screen (one child at a time), the head's
lock, the parent's card with its chart and receipt, the department's report (CSV, XLSX) and dates."""

import datetime as dt
import io
import re
import zipfile

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from kezek.monitoring.models import Card, CardRead, Point, PointDates
from tests.attendance.test_pages import cabinet_login
from tests.factories import staff_login, staff_user

from .conftest import START_DAY, Kindergarten, all_marks, at, counts, fill, lock

pytestmark = pytest.mark.django_db


def _posted(marks: dict[str, str]) -> dict[str, str]:
    return {f"m-{code}": level for code, level in marks.items()}


def test_the_teacher_fills_cards_one_child_after_another(kg: Kindergarten) -> None:
    client = staff_login(Client(), kg.teacher)
    with time_machine.travel(at(START_DAY), tick=False):
        home = client.get(reverse("monitoring:home"))
        assert home.status_code == 200
        assert kg.group.name in home.content.decode()
        point = client.get(reverse("monitoring:point", args=[kg.group.pk, "start"]))
        assert point.status_code == 200
        order = [e.pk for e, _card in point.context["sheet"].rows]
        url = reverse("monitoring:card", args=[kg.group.pk, "start", order[0]])
        page = client.get(url)
        assert page.status_code == 200
        assert page.content.decode().count('type="radio"') == 30  # ten indicators, three levels each
        bad = client.post(url, {**_posted(all_marks(kg.group)), "m-health-2-1": "excellent"})
        assert bad.status_code == 422
        assert Card.objects.count() == 0
        saved = client.post(url, _posted(all_marks(kg.group, "high")))
        assert saved.status_code == 302
        assert saved["Location"] == reverse("monitoring:card", args=[kg.group.pk, "start", order[1]])
        again = client.get(url)
        assert again.content.decode().count("checked") == 10
    assert {c.enrollment_id for c in Card.objects.all()} == {order[0]}
    assert set(order) == {e.pk for e in kg.enrollments}


def test_the_head_locks_the_point_on_its_page(kg: Kindergarten) -> None:
    fill(kg)
    head = staff_login(Client(), kg.head)
    teacher = staff_login(Client(), kg.teacher)
    url = reverse("monitoring:point", args=[kg.group.pk, "start"])
    with time_machine.travel(at(START_DAY), tick=False):
        assert "Lock the point" not in teacher.get(url).content.decode()
        assert teacher.post(url).status_code == 403
        assert not Point.objects.filter(state="locked").exists()
        page = head.get(url)
        html = page.content.decode()
        assert "<svg" in html
        assert not re.search(r'(src|href)="(https?:)?//', html)
        assert head.post(url).status_code == 302
        assert Point.objects.get().is_locked
        card_url = reverse("monitoring:card", args=[kg.group.pk, "start", kg.enrollments[1].pk])
        refused = teacher.post(card_url, _posted(all_marks(kg.group)))
        assert refused.status_code == 409  # E44: the point is locked
        assert Card.objects.count() == 1


def test_another_groups_teacher_and_another_kindergarten_are_refused(kg: Kindergarten) -> None:
    other = staff_login(Client(), staff_user(role="teacher", organisation=kg.organisation))
    before = counts()
    with time_machine.travel(at(START_DAY), tick=False):
        url = reverse("monitoring:card", args=[kg.group.pk, "start", kg.enrollments[0].pk])
        assert other.get(url).status_code == 403
        assert other.post(url, _posted(all_marks(kg.group))).status_code == 403
        assert other.get(reverse("monitoring:point", args=[kg.group.pk, "nope"])).status_code == 404
    assert counts() == before


def test_the_parent_sees_the_locked_card_and_the_kindergarten_the_receipt(kg: Kindergarten) -> None:
    card = fill(kg)
    other = fill(kg, 1)
    parent = cabinet_login(Client(), kg.applicants[0])
    assert parent.get(reverse("monitoring_cabinet:card", args=[card.pk])).status_code == 404
    lock(kg)
    listing = parent.get(reverse("monitoring_cabinet:cards"))
    assert reverse("monitoring_cabinet:card", args=[card.pk]) in listing.content.decode()
    assert reverse("monitoring_cabinet:card", args=[other.pk]) not in listing.content.decode()
    page = parent.get(reverse("monitoring_cabinet:card", args=[card.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    assert "Здоровье" in html
    assert CardRead.objects.filter(card=card).count() == 1
    assert parent.get(reverse("monitoring_cabinet:card", args=[other.pk])).status_code == 404
    assert CardRead.objects.count() == 1
    teacher = staff_login(Client(), kg.teacher)
    with time_machine.travel(at(START_DAY), tick=False):
        staff_page = teacher.get(
            reverse("monitoring:card", args=[kg.group.pk, "start", kg.enrollments[0].pk])
        )
    assert 'id="read-receipt"' in staff_page.content.decode()
    assert staff_page.context["reads"][0].applicant_id == kg.applicants[0].pk


def test_the_department_reports_levels_per_area_as_csv_and_xlsx(kg: Kindergarten) -> None:
    """E49: the locked points' marks by level, per area, kindergarten and locality."""
    fill(kg, level="high")
    fill(kg, 1, level="low")
    lock(kg)
    operator = staff_login(Client(), kg.operator)
    with time_machine.travel(at(START_DAY), tick=False):
        page = operator.get(reverse("monitoring:report") + "?year=2026&period=start")
        assert page.status_code == 200
        rows = page.context["report"].rows
        assert len(rows) == 10  # five areas of the kindergarten and five of the locality
        assert rows[0][3:] == [2, 2, 0, 2]  # children, high, medium, low (two indicators an area)
        csv = operator.get(reverse("monitoring:report_export", args=["csv"]) + "?year=2026&period=start")
        assert csv.status_code == 200
        assert csv["Content-Type"].startswith("text/csv")
        assert csv.content.decode("utf-8-sig").count("\n") == 11
        xlsx = operator.get(reverse("monitoring:report_export", args=["xlsx"]) + "?year=2026&period=start")
        assert zipfile.ZipFile(io.BytesIO(xlsx.content)).testzip() is None
        assert operator.get(reverse("monitoring:report_export", args=["pdf"])).status_code == 404
        empty = operator.get(reverse("monitoring:report") + "?year=2026&period=end")
        assert empty.context["report"].rows == []
    teacher = staff_login(Client(), kg.teacher)
    assert teacher.get(reverse("monitoring:report")).status_code == 403


def test_the_department_sets_the_dates_of_a_point(kg: Kindergarten) -> None:
    operator = staff_login(Client(), kg.operator)
    url = reverse("monitoring:dates") + "?year=2026"
    locality = kg.organisation.locality
    with time_machine.travel(at(dt.date(2026, 8, 20)), tick=False):
        assert operator.get(url).status_code == 200
        bad = operator.post(url, {"locality": locality.pk, "period": "middle", "first_day": "2027-01-20",
                                  "last_day": "2027-01-10"})  # fmt: skip
        assert bad.status_code == 422
        assert not PointDates.objects.exists()
        done = operator.post(url, {"locality": locality.pk, "period": "middle", "first_day": "2027-01-12",
                                   "last_day": "2027-01-30"})  # fmt: skip
        assert done.status_code == 302
    assert PointDates.objects.get().first_day == dt.date(2027, 1, 12)
