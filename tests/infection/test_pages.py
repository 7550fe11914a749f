"""The nurse's pages (E51, E56, E57): she records a case in the back-office; only the nurse and the head
read cases (a teacher, the kindergarten's staff and the department get 403, a parent the sign-in page,
another kindergarten's nurse 404), every read is logged, the CSV report carries cases, contacts and
quarantines, and the department sees counts only."""

from collections.abc import Iterator

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from kezek.infection.models import Case, CaseRead, Quarantine
from kezek.ledger.models import LedgerEvent
from kezek.records.models import SensitiveRead
from kezek.staff.models import Role
from tests.attendance.conftest import at
from tests.factories import staff_login, staff_user

from .conftest import Clinic, make_clinic, record
from .test_services import FRIDAY, september

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(db: None) -> Iterator[Clinic]:
    c = make_clinic()
    september(c)
    with time_machine.travel(at(FRIDAY, 18), tick=False):
        yield c


def client_of(user: User) -> Client:
    client = staff_login(Client(), user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_the_nurse_records_a_case_and_reads_it(clinic: Clinic) -> None:
    nurse = client_of(clinic.nurse)
    page = nurse.get("/staff/kindergarten/infection/new/")
    assert page.status_code == 200
    answer = nurse.post(
        "/staff/kindergarten/infection/new/",
        {
            "infection": "chickenpox",
            "enrollment": clinic.kg.enrollments[0].pk,
            "onset_on": "2026-09-10",
            "isolated_on": "2026-09-11",
        },
    )
    case = Case.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/staff/kindergarten/infection/{case.pk}/"
    shown = nurse.get(answer["Location"])
    assert shown.status_code == 200
    assert clinic.kg.enrollments[2].child.last_name in shown.content.decode()
    assert CaseRead.objects.filter(case=case, what="case", user=clinic.nurse).count() == 1
    assert SensitiveRead.objects.filter(user=clinic.nurse, file__enrollment=case.enrollment).count() == 1
    listing = nurse.get("/staff/kindergarten/infection/")
    assert "02.10.2026" in listing.content.decode()
    assert CaseRead.objects.filter(what="list").count() == 1


def test_bad_input_shows_the_form_again_and_writes_nothing(clinic: Clinic) -> None:
    nurse = client_of(clinic.nurse)
    events = LedgerEvent.objects.count()
    answer = nurse.post(
        "/staff/kindergarten/infection/new/",
        {
            "infection": "chickenpox",
            "enrollment": clinic.kg.enrollments[0].pk,
            "onset_on": "2026-09-11",
            "isolated_on": "2026-09-10",
        },
    )
    assert answer.status_code == 422
    assert "The isolation cannot be before the onset of the illness." in answer.content.decode()
    unknown = nurse.post(
        "/staff/kindergarten/infection/new/",
        {"infection": "plague", "staff": "", "onset_on": "2026-09-11", "isolated_on": "2026-09-11"},
    )
    assert unknown.status_code == 422
    assert (Case.objects.count(), LedgerEvent.objects.count()) == (0, events)


@pytest.mark.parametrize("role", [Role.TEACHER, Role.KINDERGARTEN_STAFF, Role.OPERATOR, Role.DEPARTMENT_HEAD])
def test_other_roles_cannot_read_cases(clinic: Clinic, role: str) -> None:
    case = record(clinic, on=FRIDAY)
    department = role in (Role.OPERATOR, Role.DEPARTMENT_HEAD)
    user = (
        staff_user(role=role, locality=clinic.kg.organisation.locality)
        if department
        else staff_user(role=role, organisation=clinic.kg.organisation)
    )
    client = client_of(user)
    for url in (
        "/staff/kindergarten/infection/",
        f"/staff/kindergarten/infection/{case.pk}/",
        "/staff/kindergarten/infection/report.csv",
        "/staff/kindergarten/infection/new/",
    ):
        assert client.get(url).status_code == 403, url
    assert not CaseRead.objects.exists()


def test_a_parent_and_another_kindergarten_cannot_read_cases(clinic: Clinic) -> None:
    case = record(clinic, on=FRIDAY)
    anonymous = Client().get(f"/staff/kindergarten/infection/{case.pk}/")
    assert anonymous.status_code == 302
    assert "/staff/login/" in anonymous["Location"]
    other = make_clinic(1)
    assert client_of(other.nurse).get(f"/staff/kindergarten/infection/{case.pk}/").status_code == 404


def test_the_report_and_the_departments_counts(clinic: Clinic) -> None:
    record(clinic, on=FRIDAY)
    head = client_of(clinic.kg.head)
    csv = head.get("/staff/kindergarten/infection/report.csv")
    assert csv.status_code == 200
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "record,case,infection,person,birth date,group,from,until"
    kinds = [line.split(",")[0] for line in lines[1:]]
    assert kinds == ["case", "contact", "contact", "contact", "quarantine"]
    assert CaseRead.objects.filter(what="report", user=clinic.kg.head).count() == 1
    department = client_of(clinic.kg.operator).get("/staff/department/infection/")
    body = department.content.decode()
    assert department.status_code == 200
    assert "<td>1</td><td>3</td><td>1</td><td>1</td>" in body  # cases, contacts, quarantines, now
    ill = clinic.kg.enrollments[0].child
    for secret in (ill.last_name, "Chickenpox", clinic.kg.enrollments[2].child.last_name):
        assert secret not in body
    assert Quarantine.objects.count() == 1
