"""The transfer to school's pages (E61–E68): the cabinet's consent, the head's issue (the receipt code
shown once), the school's receipt page, the PDF and JSON, the public verification page."""

import re

import pytest
from django.test import Client

from kezek.ledger.models import LedgerEvent
from kezek.registry.models import RegistryKinship
from kezek.schooltransfer import package, services
from kezek.schooltransfer.models import SchoolTransfer
from tests.factories import staff_login

from .conftest import World, parent_client

pytestmark = pytest.mark.django_db


def consented(world: World) -> SchoolTransfer:
    return services.transfer_consent(
        file=world.file, applicant=world.application.applicant, school_name="School No. 7"
    )


def test_the_parent_consents_on_the_cabinet_page(world: World) -> None:
    parent = parent_client(world.application.applicant)
    page = parent.get("/cabinet/school/").content.decode()
    assert f"/cabinet/school/{world.file.pk}/consent/" in page
    assert f"/cabinet/school/{world.young_file.pk}/consent/" not in page  # not the final year
    url = f"/cabinet/school/{world.file.pk}/consent/"
    assert parent.get(url).status_code == 200
    before = LedgerEvent.objects.count()
    assert parent.post(url, {"school_name": "School No. 7"}).status_code == 422  # no tick
    assert parent.post(url, {"school_name": "ab", "agree": "on"}).status_code == 422
    assert LedgerEvent.objects.count() == before
    done = parent.post(url, {"school_name": "School No. 7", "agree": "on"})
    assert done.status_code == 302
    assert SchoolTransfer.objects.get().school_name == "School No. 7"
    assert "School No. 7" in parent.get("/cabinet/school/").content.decode()
    assert parent.post(url, {"school_name": "School No. 7", "agree": "on"}).status_code == 409


def test_a_non_guardian_sees_the_refusal_and_nothing_is_written(world: World) -> None:
    RegistryKinship.objects.filter(parent__iin=world.application.applicant.iin).delete()
    parent = parent_client(world.application.applicant)
    before = LedgerEvent.objects.count(), SchoolTransfer.objects.count()
    answer = parent.post(
        f"/cabinet/school/{world.file.pk}/consent/", {"school_name": "School", "agree": "on"}
    )
    assert answer.status_code == 403
    assert "Only a parent or guardian" in answer.content.decode()
    assert (LedgerEvent.objects.count(), SchoolTransfer.objects.count()) == before


def test_the_head_issues_and_sees_the_code_once_then_the_school_receives(world: World) -> None:
    transfer = consented(world)
    head = staff_login(Client(), world.head)
    assert "School No. 7" in head.get("/staff/kindergarten/school/").content.decode()
    detail = f"/staff/kindergarten/school/{transfer.pk}/"
    assert head.get(detail).status_code == 200
    answer = head.post(f"{detail}issue/")
    assert answer.status_code == 200
    found = re.search(r'id="receipt-code">([A-Z0-9-]{19})<', answer.content.decode())
    assert found is not None
    code = found.group(1)
    assert code not in head.get(detail).content.decode()  # shown once
    pdf = head.get(f"{detail}package/pdf/")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert package.package_verify(head.get(f"{detail}package/json/").content).ok
    assert head.get(f"{detail}package/xml/").status_code == 404
    staff = staff_login(Client(), world.staff)
    assert staff.post(f"{detail}issue/").status_code == 403
    other = staff_login(Client(), world.other_head)
    assert other.get(detail).status_code == 404

    school = Client()
    assert school.get("/school/receive/").status_code == 200
    assert school.get(f"/school/received/{transfer.pk}/pdf/").status_code == 404
    assert school.post("/school/receive/", {"code": "ABCD-EFGH-JKMN-PQRS"}).status_code == 422
    received = school.post("/school/receive/", {"code": code})
    assert received.status_code == 200
    assert school.get(f"/school/received/{transfer.pk}/pdf/").content.startswith(b"%PDF")
    assert package.package_verify(school.get(f"/school/received/{transfer.pk}/json/").content).ok
    assert school.post("/school/receive/", {"code": code}).status_code == 409
    assert Client().get(f"/school/received/{transfer.pk}/json/").status_code == 404


def test_the_public_page_shows_initials_and_no_personal_data(world: World) -> None:
    transfer, _code = services.package_issue(file=consented(world).file, by_staff=world.head)
    page = Client().get(f"/school/verify/{transfer.verification_code}/")
    assert page.status_code == 200
    text = page.content.decode()
    child = world.file.child
    assert transfer.sha256 in text
    assert f"{child.last_name[0]}. {child.first_name[0]}." in text
    for secret in (
        child.iin,
        child.last_name,
        child.first_name,
        "School No. 7",
        child.birth_date.strftime("%d.%m.%Y"),
    ):
        assert secret not in text
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert Client().get("/school/verify/unknown/").status_code == 404


def test_the_head_records_the_departure_to_school(world: World) -> None:
    transfer = consented(world)
    head = staff_login(Client(), world.head)
    url = f"/staff/kindergarten/school/{transfer.pk}/depart/"
    assert head.post(url, {"left_on": "2030-01-01"}).status_code == 422  # in the future
    assert SchoolTransfer.objects.get().state == "consented"
    assert head.post(url, {"left_on": "2026-12-07"}).status_code == 302
    assert SchoolTransfer.objects.get().state == "resigned"
