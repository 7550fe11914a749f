"""The files' pages and API (E4, E7, E8): scope, who sees the health part, every head/nurse read logged,
bad input refused with nothing written, the parent's read-only cabinet pages."""

import datetime as dt
import json

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kezek.cabinet.sessions import APPLICANT_KEY, FINGERPRINT_KEY, _fingerprint
from kezek.integrity.diff import integrity_check
from kezek.ledger.models import LedgerEvent
from kezek.records import services
from kezek.records.models import ChildDocument, ChildFile, HealthNote, SensitiveRead
from kezek.waitlist.models import Applicant
from tests.factories import register_application, staff_login
from tests.factories.documents import PDF
from tests.records.conftest import MONDAY, World, jpeg, make_world, pdf
from tests.staff.conftest import toddler

pytestmark = pytest.mark.django_db
TODAY = MONDAY.date().isoformat()


@pytest.fixture(autouse=True)
def travel() -> object:
    with time_machine.travel(MONDAY + dt.timedelta(hours=1), tick=False):
        yield


def client_of(user: User) -> Client:
    client = staff_login(Client(), user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def parent_client(applicant: Applicant) -> Client:
    client = Client()
    session = client.session
    session[APPLICANT_KEY] = applicant.pk
    session[FINGERPRINT_KEY] = _fingerprint(applicant)
    session.save()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def with_health(world: World) -> ChildDocument:
    services.health_note_set(
        file=world.file, by_staff=world.nurse, allergies="peanuts", diet="", restrictions=""
    )
    return services.child_document_add(
        file=world.file, by_staff=world.nurse, kind="medical_026", document=pdf(), issued_on=MONDAY.date()
    )


def counts() -> tuple[int, ...]:
    return (
        LedgerEvent.objects.count(),
        ChildDocument.objects.count(),
        HealthNote.objects.count(),
        ChildFile.objects.filter(contract_number="").count(),
    )


def test_head_and_nurse_see_health_and_each_read_is_logged(world: World) -> None:
    """E4: the page shows the health part to the head and the nurse, and logs every read."""
    document = with_health(world)
    url = f"/staff/kindergarten/records/{world.file.pk}/"
    for user in (world.nurse, world.head):
        client = client_of(user)
        before = SensitiveRead.objects.filter(user=user).count()
        page = client.get(url)
        assert page.status_code == 200
        assert "peanuts" in page.content.decode()
        assert SensitiveRead.objects.filter(user=user).count() == before + 1
        download = client.get(f"{url}documents/{document.pk}/")
        assert download.status_code == 200
        assert download.content == PDF
        assert SensitiveRead.objects.filter(user=user, document=document).count() == 1
        api = client.get(f"/api/v1/staff/records/{world.file.pk}")
        assert api.json()["health"]["allergies"] == "peanuts"
        assert SensitiveRead.objects.filter(user=user).count() == before + 3
    # The head sees the log on the file's page: the nurse's reads with her role.
    html = client_of(world.head).get(url).content.decode()
    assert "Who read the health data" in html
    assert "nurse" in html


def test_staff_and_teacher_see_the_file_without_health(world: World) -> None:
    document = with_health(world)
    url = f"/staff/kindergarten/records/{world.file.pk}/"
    for user in (world.staff, world.teacher):
        client = client_of(user)
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "peanuts" not in html
        assert 'id="health-heading"' not in html
        assert f"documents/{document.pk}/" not in html
        assert client.get(f"{url}documents/{document.pk}/").status_code == 404
        assert client.get(f"{url}health/").status_code == 403
        body = client.get(f"/api/v1/staff/records/{world.file.pk}").json()
        assert body["health"] is None
        assert body["documents"] == []
        refused = client.put(
            f"/api/v1/staff/record-health/{world.file.pk}",
            json.dumps({"allergies": "x"}),
            content_type="application/json",
        )
        assert refused.status_code == 403
    assert SensitiveRead.objects.filter(user__in=[world.staff, world.teacher]).count() == 0


def test_another_kindergartens_head_gets_404(world: World) -> None:
    document = with_health(world)
    client = client_of(world.other_head)
    base = f"/staff/kindergarten/records/{world.file.pk}/"
    before = counts()
    for url in (
        base,
        f"{base}documents/{document.pk}/",
        f"{base}health/",
        f"{base}contract/",
        f"{base}documents/new/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}health/", {"allergies": "x"}).status_code == 404
    assert client.get(f"/api/v1/staff/records/{world.file.pk}").status_code == 404
    response = client.post(
        f"/api/v1/staff/record-contracts/{world.file.pk}",
        json.dumps({"number": "1", "signed_on": TODAY, "monthly_fee": "1"}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert "records/" not in client.get("/staff/kindergarten/records/").content.decode().split("<main", 1)[1]
    assert counts() == before
    assert not SensitiveRead.objects.filter(user=world.other_head).exists()


def test_a_nurse_adds_a_health_note_and_a_document(world: World) -> None:
    client = client_of(world.nurse)
    base = f"/staff/kindergarten/records/{world.file.pk}/"
    response = client.post(f"{base}health/", {"allergies": "cats", "diet": "no milk", "restrictions": ""})
    assert response.status_code == 302
    assert HealthNote.objects.get(file=world.file).diet == "no milk"
    response = client.post(
        f"{base}documents/new/",
        {"kind": "medical_063", "issued_on": TODAY, "valid_until": "", "document": jpeg()},
    )
    assert response.status_code == 302
    assert ChildDocument.objects.get(file=world.file).kind == "medical_063"
    assert integrity_check().ok


@pytest.mark.parametrize(
    ("upload", "field_text"),
    [
        (SimpleUploadedFile("x.txt", b"hello, not a document", content_type="text/plain"), "PDF or JPEG"),
        (
            SimpleUploadedFile("big.pdf", PDF + b" " * (5 * 1024 * 1024), content_type="application/pdf"),
            "5 MB",
        ),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(
    world: World, upload: SimpleUploadedFile, field_text: str
) -> None:
    client = client_of(world.staff)
    before = counts()
    response = client.post(
        f"/staff/kindergarten/records/{world.file.pk}/documents/new/",
        {"kind": "certificate", "issued_on": TODAY, "document": upload},
    )
    assert response.status_code == 422
    assert field_text in response.content.decode()
    upload.seek(0)
    api = client.post(
        f"/api/v1/staff/record-documents/{world.file.pk}",
        {"kind": "certificate", "issued_on": TODAY, "document": upload},
    )
    assert api.status_code == 422
    assert counts() == before


def test_a_document_for_another_kindergartens_child_is_refused(world: World) -> None:
    """The other kindergarten's head cannot add to this file; nor replace with this file's document there."""
    other = make_world()
    client = client_of(world.head)
    before = counts()
    response = client.post(
        f"/api/v1/staff/record-documents/{other.file.pk}",
        {"kind": "certificate", "issued_on": TODAY, "document": pdf()},
    )
    assert response.status_code == 404
    theirs = services.child_document_add(
        file=other.file, by_staff=other.head, kind="certificate", document=pdf(), issued_on=MONDAY.date()
    )
    before = counts()
    response = client.post(
        f"/api/v1/staff/record-documents/{world.file.pk}",
        {"kind": "certificate", "issued_on": TODAY, "document": pdf(), "replaces": str(theirs.pk)},
    )
    assert response.status_code == 404
    assert counts() == before


def test_changes_to_a_closed_file_are_409_and_write_nothing(world: World) -> None:
    client = client_of(world.head)
    response = client.post(
        f"/staff/kindergarten/enrollments/{world.enrollment.pk}/depart/",
        {"left_on": TODAY, "reason": "family moved away", "reason_code": "moved"},
    )
    assert response.status_code == 302
    file = ChildFile.objects.get(pk=world.file.pk)
    assert (file.status, file.close_reason) == ("closed", "moved")
    before = counts()
    base = f"/staff/kindergarten/records/{file.pk}/"
    assert (
        client.post(f"{base}contract/", {"number": "1", "signed_on": TODAY, "monthly_fee": "5"}).status_code
        == 409
    )
    assert client.post(f"{base}health/", {"allergies": "x"}).status_code == 409
    assert (
        client.post(
            f"{base}documents/new/", {"kind": "certificate", "issued_on": TODAY, "document": pdf()}
        ).status_code
        == 409
    )
    api = client.put(
        f"/api/v1/staff/record-health/{file.pk}",
        json.dumps({"allergies": "x"}),
        content_type="application/json",
    )
    assert api.status_code == 409
    assert counts() == before
    page = client.get(base).content.decode()
    assert "closed and archived" in page
    assert "Add a document" not in page


def test_bad_contract_input_is_422(world: World) -> None:
    client = client_of(world.head)
    before = counts()
    future = (MONDAY.date() + dt.timedelta(days=2)).isoformat()
    base = f"/api/v1/staff/record-contracts/{world.file.pk}"
    for body in (
        {"number": "1", "signed_on": future, "monthly_fee": "1"},
        {"number": "1", "signed_on": TODAY, "monthly_fee": "-5"},
        {"number": " ", "signed_on": TODAY, "monthly_fee": "5"},
    ):
        response = client.post(base, json.dumps(body), content_type="application/json")
        assert response.status_code == 422, body
    assert counts() == before
    ok = client.post(
        base,
        json.dumps({"number": "12/26", "signed_on": TODAY, "monthly_fee": "18500"}),
        content_type="application/json",
    )
    assert ok.status_code == 200


def test_the_parent_reads_their_childs_whole_file_only(world: World) -> None:
    """E7: the parent's cabinet shows the whole file (health too), read-only; another family's is a 404."""
    with_health(world)
    mine = parent_client(world.application.applicant)
    files = mine.get("/cabinet/records/")
    assert files.status_code == 200
    assert f"/cabinet/records/{world.file.pk}/" in files.content.decode()
    page = mine.get(f"/cabinet/records/{world.file.pk}/").content.decode()
    assert "peanuts" in page
    assert "Add a document" not in page  # read-only: no staff actions
    assert mine.get(f"/api/v1/cabinet/records/{world.file.pk}").json()["health"]["allergies"] == "peanuts"
    stranger = register_application(locality=world.organisation.locality, child=toddler(30))
    theirs = parent_client(stranger.applicant)
    assert theirs.get(f"/cabinet/records/{world.file.pk}/").status_code == 404
    assert theirs.get(f"/api/v1/cabinet/records/{world.file.pk}").status_code == 404
    assert theirs.get("/api/v1/cabinet/records").json() == []
    assert not SensitiveRead.objects.exists()  # the parent's own reads are not staff reads
