"""The transfer to school in the JSON API (E61–E68): the guardian consents, the head issues, the school
receives with the code, anyone checks a package by its public code — every refusal a translated 4xx that
writes nothing, and no scope sees another kindergarten's transfers."""

import json
from typing import Any

import pytest
from django.test import Client

from kezek.ledger.models import LedgerEvent
from kezek.registry.models import RegistryKinship
from kezek.schooltransfer import package
from kezek.schooltransfer.models import SchoolTransfer
from tests.factories import register_application, staff_login

from .conftest import World, parent_client

pytestmark = pytest.mark.django_db
API = "/api/v1"


def counts() -> tuple[int, int, int]:
    return (
        LedgerEvent.objects.count(),
        SchoolTransfer.objects.count(),
        SchoolTransfer.objects.exclude(package="").count(),
    )


def consent(client: Client, file_id: int, **extra: object) -> Any:
    body = {"file": file_id, "school_name": "School-lyceum No. 12", "agree": True, **extra}
    return client.post(f"{API}/cabinet/school-transfers", body, content_type="application/json")


def head(world: World) -> Client:
    return staff_login(Client(), world.head)


def test_the_whole_journey(world: World) -> None:
    parent = parent_client(world.application.applicant)
    mine = parent.get(f"{API}/cabinet/school-transfers").json()
    assert {(r["file"], r["final_year"], r["guardian"]) for r in mine} == {(world.file.pk, True, True)}
    created = consent(parent, world.file.pk)
    assert created.status_code == 201, created.content
    transfer = created.json()
    assert transfer["state"] == "consented"
    issued = head(world).post(f"{API}/staff/school-transfers/{transfer['id']}/package")
    assert issued.status_code == 201, issued.content
    code = issued.json()["receipt_code"]
    assert issued.json()["transfer"]["sha256"]
    received = Client().post(
        f"{API}/school-packages/receive", {"code": code}, content_type="application/json"
    )
    assert received.status_code == 200
    assert package.package_verify(received.content).ok
    assert json.loads(received.content)["package"]["child"]["iin"] == world.file.child.iin
    mine = parent.get(f"{API}/cabinet/school-transfers/{transfer['id']}/package")
    assert mine.status_code == 200
    assert package.package_verify(mine.content).ok
    verification = SchoolTransfer.objects.get(pk=transfer["id"]).verification_code
    check = Client().get(f"{API}/school-packages/verify/{verification}")
    assert check.status_code == 200
    body = check.json()
    assert body["authentic"]
    assert body["state"] == "received"
    child = world.file.child
    for secret in (child.iin, child.last_name, child.first_name, child.birth_date.isoformat(), "School"):
        assert secret not in check.content.decode()
    assert Client().get(f"{API}/school-packages/verify/nope").status_code == 404


def test_a_non_guardian_gets_a_translated_403_and_nothing_is_written(world: World) -> None:
    RegistryKinship.objects.filter(parent__iin=world.application.applicant.iin).delete()
    parent = parent_client(world.application.applicant)
    before = counts()
    answer = consent(parent, world.file.pk)
    assert answer.status_code == 403
    assert answer.json()["code"] == "not_guardian"
    assert answer.json()["detail"].startswith("Only a parent or guardian of the child")  # gettext (kk, ru)
    assert counts() == before


@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        ({"agree": False}, 422, "agree_required"),
        ({"school_name": "ab"}, 422, "school_invalid"),
        ({"school_name": "x" * 201}, 422, "invalid"),
        ({"file": 0}, 422, "invalid"),
    ],
)
def test_bad_consent_input_is_422(world: World, extra: dict[str, object], status: int, code: str) -> None:
    parent = parent_client(world.application.applicant)
    before = counts()
    answer = consent(parent, world.file.pk, **extra)
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert counts() == before


def test_another_familys_file_is_404_and_a_young_child_422(world: World) -> None:
    stranger = parent_client(register_application(locality=world.application.locality).applicant)
    before = counts()
    assert consent(stranger, world.file.pk).status_code == 404
    young = parent_client(world.young_application.applicant)
    answer = consent(young, world.young_file.pk)
    assert (answer.status_code, answer.json()["code"]) == (422, "not_final_year")
    assert counts() == before


def test_staff_scope_and_role(world: World) -> None:
    transfer = consent(parent_client(world.application.applicant), world.file.pk).json()
    before = counts()
    other = staff_login(Client(), world.other_head).post(
        f"{API}/staff/school-transfers/{transfer['id']}/package"
    )
    assert other.status_code == 404
    assert staff_login(Client(), world.other_head).get(f"{API}/staff/school-transfers").json() == []
    staff = staff_login(Client(), world.staff)
    assert staff.post(f"{API}/staff/school-transfers/{transfer['id']}/package").status_code == 403
    assert [t["id"] for t in staff.get(f"{API}/staff/school-transfers").json()] == [transfer["id"]]
    assert (
        staff.get(f"{API}/staff/school-transfers/{transfer['id']}/package").status_code == 404
    )  # not issued
    assert Client().post(f"{API}/staff/school-transfers/{transfer['id']}/package").status_code == 401
    assert counts() == before


@pytest.mark.parametrize("code", ["", "ABCD-EFGH-JKMN-PQRS", "not a code at all"])
def test_a_wrong_code_is_422_and_writes_nothing(world: World, code: str) -> None:
    transfer = consent(parent_client(world.application.applicant), world.file.pk).json()
    head(world).post(f"{API}/staff/school-transfers/{transfer['id']}/package")
    before = counts(), SchoolTransfer.objects.filter(state="received").count()
    answer = Client().post(f"{API}/school-packages/receive", {"code": code}, content_type="application/json")
    assert (answer.status_code, answer.json()["code"]) == (422, "code_invalid")
    assert (counts(), SchoolTransfer.objects.filter(state="received").count()) == before
