"""Infection control in the JSON API (E51, E56): the nurse records a case and reads it (the read logged);
bad input is a translated 4xx with nothing written; a teacher gets 403, another kindergarten 404."""

import json
from collections.abc import Iterator

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from kezek.infection.models import Case, CaseRead
from kezek.ledger.models import LedgerEvent
from kezek.staff.models import StaffProfile
from tests.attendance.conftest import at
from tests.factories import staff_login

from .conftest import Clinic, make_clinic, record
from .test_services import FRIDAY, september

pytestmark = pytest.mark.django_db
URL = "/api/v1/staff/infection/cases"


@pytest.fixture
def clinic(db: None) -> Iterator[Clinic]:
    c = make_clinic()
    september(c)
    with time_machine.travel(at(FRIDAY, 18), tick=False):
        yield c


def api(user: User) -> Client:
    client = staff_login(Client(enforce_csrf_checks=False), user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def post(client: Client, **data: object) -> tuple[int, dict[str, object]]:
    answer = client.post(URL, json.dumps(data), content_type="application/json")
    return answer.status_code, answer.json()


def test_the_nurse_records_and_reads_a_case(clinic: Clinic) -> None:
    nurse = api(clinic.nurse)
    status, body = post(
        nurse,
        infection="chickenpox",
        enrollment=clinic.kg.enrollments[0].pk,
        onset_on="2026-09-10",
        isolated_on="2026-09-11",
    )
    assert status == 201
    assert body["window_first"] == "2026-08-20"
    assert len(body["contacts"]) == 3  # type: ignore[arg-type]
    assert body["quarantines"][0]["last_day"] == "2026-10-02"  # type: ignore[index]
    read = nurse.get(f"{URL}/{body['id']}")
    assert read.status_code == 200
    assert CaseRead.objects.filter(what="case").count() == 2  # the answer to the POST, and the GET


def test_bad_input_is_a_translated_4xx(clinic: Clinic) -> None:
    nurse = api(clinic.nurse)
    events = LedgerEvent.objects.count()
    status, body = post(
        nurse,
        infection="chickenpox",
        enrollment=clinic.kg.enrollments[0].pk,
        onset_on="2026-09-11",
        isolated_on="2026-09-10",
    )
    assert (status, body["code"]) == (422, "isolation_before_onset")
    assert body["detail"] == "The isolation cannot be before the onset of the illness."
    teacher = StaffProfile.objects.get(user=clinic.kg.teacher).pk
    status, body = post(
        nurse, infection="plague", staff=teacher, onset_on="2026-09-11", isolated_on="2026-09-11"
    )
    assert (status, body["code"]) == (422, "infection_unknown")
    status, body = post(
        nurse, infection="measles", enrollment=999999, onset_on="2026-09-11", isolated_on="2026-09-11"
    )
    assert status == 404
    assert (Case.objects.count(), LedgerEvent.objects.count()) == (0, events)


def test_a_teacher_and_another_kindergarten_cannot_read(clinic: Clinic) -> None:
    case = record(clinic, on=FRIDAY)
    assert api(clinic.kg.teacher).get(f"{URL}/{case.pk}").status_code == 403
    assert api(make_clinic(1).nurse).get(f"{URL}/{case.pk}").status_code == 404
    assert not CaseRead.objects.exists()
