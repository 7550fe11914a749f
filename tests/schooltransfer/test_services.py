"""The transfer to school's services (E60–E67): the final year, the guardian's consent, the signed package,
the receipt with its one-time code, completion or resignation with the departure — and every refusal
writes nothing."""

import datetime as dt
import json

import pytest
import time_machine
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kezek.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kezek.integrity.diff import integrity_check
from kezek.ledger.models import LedgerEvent
from kezek.records.models import ChildFile
from kezek.registry.models import RegistryKinship
from kezek.schooltransfer import package, selectors, services
from kezek.schooltransfer.models import SchoolTransfer
from kezek.translog.public import public_form
from kezek.waitlist.models import Application
from kezek_verify import note
from tests.factories import register_application

from .conftest import ALMATY, MONDAY, World

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        LedgerEvent.objects.count(),
        SchoolTransfer.objects.count(),
        SchoolTransfer.objects.exclude(package="").count(),
        SchoolTransfer.objects.filter(received_at__isnull=False).count(),
    )


def consent(world: World) -> SchoolTransfer:
    return services.transfer_consent(
        file=world.file, applicant=world.application.applicant, school_name="  School-lyceum  No. 12 "
    )


def issued(world: World) -> tuple[SchoolTransfer, str]:
    consent(world)
    return services.package_issue(file=world.file, by_staff=world.head)


# --- E60 the final preschool year ---


@pytest.mark.parametrize(
    ("on", "start"),
    [
        (dt.date(2026, 12, 7), dt.date(2027, 9, 1)),
        (dt.date(2027, 8, 31), dt.date(2027, 9, 1)),
        (dt.date(2027, 9, 1), dt.date(2028, 9, 1)),
    ],
)
def test_the_next_school_start(on: dt.date, start: dt.date) -> None:
    assert selectors.school_start(on) == start


@given(
    birth=st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2026, 12, 31)),
    on=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)),
)
def test_final_year_is_being_six_on_the_next_first_of_september(birth: dt.date, on: dt.date) -> None:
    """E60 (property): 6 full years on the next 1 September; a day older never leaves the final year."""
    start = selectors.school_start(on)
    assert on < start <= on.replace(year=on.year + 1) + dt.timedelta(days=1)
    six = selectors.age_on(birth, start) >= 6
    assert six == (dt.date(start.year - 6, start.month, start.day) >= birth)
    if six:
        assert selectors.age_on(birth - dt.timedelta(days=1), start) >= 6


def test_final_year_reads_the_registry_birth_date(world: World) -> None:
    today = MONDAY.date()
    assert selectors.in_final_year(world.file.child, on=today)
    assert not selectors.in_final_year(world.young_file.child, on=today)


# --- E61 consent ---


def test_the_guardian_consents(world: World) -> None:
    before = LedgerEvent.objects.count()
    transfer = consent(world)
    assert (transfer.state, transfer.school_name) == ("consented", "School-lyceum No. 12")
    event = LedgerEvent.objects.get(seq=before + 1)
    assert (event.kind, event.subject_id) == ("school_transfer.consented", str(transfer.pk))
    assert event.payload["file"] == world.file.pk


def test_an_applicant_the_register_does_not_list_as_guardian_gets_403(world: World) -> None:
    applicant = world.application.applicant
    RegistryKinship.objects.filter(parent__iin=applicant.iin).delete()
    before = counts()
    with pytest.raises(PermissionDenied) as refused:
        consent(world)
    assert refused.value.code == "not_guardian"
    assert counts() == before


def test_another_family_gets_404(world: World) -> None:
    stranger = register_application(locality=world.application.locality).applicant
    before = counts()
    with pytest.raises(NotFound):
        services.transfer_consent(file=world.file, applicant=stranger, school_name="School No. 1")
    assert counts() == before


def test_a_child_not_in_the_final_year_is_refused(world: World) -> None:
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        services.transfer_consent(
            file=world.young_file, applicant=world.young_application.applicant, school_name="School No. 1"
        )
    assert refused.value.code == "not_final_year"
    assert counts() == before


@pytest.mark.parametrize("name", ["", "  ", "ab", "x" * 201])
def test_a_bad_school_name_is_422(world: World, name: str) -> None:
    before = counts()
    with pytest.raises(ValidationFailed):
        services.transfer_consent(file=world.file, applicant=world.application.applicant, school_name=name)
    assert counts() == before


def test_a_second_consent_is_409(world: World) -> None:
    consent(world)
    before = counts()
    with pytest.raises(Conflict):
        consent(world)
    assert counts() == before


# --- E62–E64 the signed package ---


def test_the_head_issues_a_signed_package(world: World) -> None:
    transfer, code = issued(world)
    assert transfer.state == "issued"
    assert len(code) == 19
    content = json.loads(transfer.package)
    assert content["child"]["iin"] == world.file.child.iin
    assert content["development"] == {"points": []}  # no locked monitoring point yet
    assert {"health", "allergies"}.isdisjoint(content)
    event = LedgerEvent.objects.filter(kind="school_transfer.package_issued").get()
    assert event.payload["sha256"] == transfer.sha256 == package.package_sha256(content)
    verdict = package.package_verify(package.package_document(transfer))
    assert verdict.ok
    assert verdict.number == transfer.pk
    assert code.replace("-", "") not in json.dumps([e.payload for e in LedgerEvent.objects.all()])


def test_one_changed_byte_anywhere_breaks_the_signature(world: World) -> None:
    transfer, _code = issued(world)
    document = package.package_document(transfer)
    assert package.package_verify(document).ok
    for position in range(0, len(document), max(1, len(document) // 97)):
        changed = bytearray(document)
        changed[position] ^= 0x01
        assert not package.package_verify(bytes(changed)).ok, position


def test_another_key_does_not_verify(world: World) -> None:
    transfer, _code = issued(world)
    _skey, other = note.generate_key("kezek.test/other", seed=bytes(range(1, 33)))
    assert not package.package_verify(package.package_document(transfer), vkey=other).ok


def test_no_consent_no_package(world: World) -> None:
    before = counts()
    with pytest.raises(Conflict) as refused:
        services.package_issue(file=world.file, by_staff=world.head)
    assert refused.value.code == "no_consent"
    assert counts() == before


def test_no_package_outside_the_final_year(world: World) -> None:
    SchoolTransfer.objects.create(
        file=world.young_file,
        child=world.young_file.child,
        organisation=world.organisation,
        school_name="School No. 1",
        consented_at=MONDAY,
        consented_by=world.young_application.applicant,
    )
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        services.package_issue(file=world.young_file, by_staff=world.head)
    assert refused.value.code == "not_final_year"
    assert counts() == before


def test_only_the_head_issues(world: World) -> None:
    consent(world)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.package_issue(file=world.file, by_staff=world.staff)
    assert counts() == before


def test_another_kindergartens_head_cannot_issue(world: World) -> None:
    consent(world)
    before = counts()
    with pytest.raises(NotFound):
        services.package_issue(file=world.file, by_staff=world.other_head)
    assert counts() == before


def test_the_development_card_comes_from_monitoring(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """E62: the monitoring summary of locked points fills the section (and the PDF's rows)."""
    summary = {
        "points": [
            {
                "school_year": 2026,
                "period": "start",
                "areas": [
                    {
                        "code": "health",
                        "name_kk": "Денсаулық",
                        "name_ru": "Здоровье",
                        "levels": [{"code": "high", "name_kk": "жоғары", "name_ru": "высокий", "marks": 2}],
                    }
                ],
            }
        ]
    }
    monkeypatch.setattr(selectors.monitoring_selectors, "development_summary", lambda child_id: summary)
    transfer, _code = issued(world)
    assert json.loads(transfer.package)["development"] == summary
    with translation.override("ru"):
        assert package.development_rows(summary) == [("начало года 2026/2027 · Здоровье", "высокий: 2")]
    assert package.package_pdf(transfer=transfer, verify_url="https://kezek.test/v/").startswith(b"%PDF")


def test_a_package_is_issued_once(world: World) -> None:
    issued(world)
    before = counts()
    with pytest.raises(Conflict):
        services.package_issue(file=world.file, by_staff=world.head)
    assert counts() == before


# --- E65 receipt ---


@pytest.mark.parametrize("code", ["", "ABCD", "ABCD-EFGH-JKMN-PQR0", "ABCD-EFGH-JKMN-PQRS"])
def test_a_wrong_code_is_422_and_writes_nothing(world: World, code: str) -> None:
    issued(world)
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        services.package_receive(code=code)
    assert refused.value.code == "code_invalid"
    assert counts() == before


def test_the_school_receives_once_with_the_code(world: World) -> None:
    transfer, code = issued(world)
    received = services.package_receive(code=f" {code.lower().replace('-', ' ')} ")
    assert received.pk == transfer.pk
    assert received.state == "received"
    assert LedgerEvent.objects.filter(kind="school_transfer.received").count() == 1
    before = counts()
    with pytest.raises(Conflict) as refused:
        services.package_receive(code=code)
    assert refused.value.code == "code_used"
    assert counts() == before


def test_an_expired_code_is_409_and_writes_nothing(world: World) -> None:
    _transfer, code = issued(world)
    before = counts()
    later = MONDAY + dt.timedelta(days=services.RECEIPT_DAYS, hours=2)
    with time_machine.travel(later, tick=False), pytest.raises(Conflict) as refused:
        services.package_receive(code=code)
    assert refused.value.code == "code_expired"
    assert counts() == before


# --- E66 completion or resignation ---


def test_leaving_in_june_completes_and_archives_file_and_applications(world: World) -> None:
    transfer, code = issued(world)
    services.package_receive(code=code)
    with time_machine.travel(dt.datetime(2027, 6, 1, 10, tzinfo=ALMATY), tick=False):
        ended = services.transfer_depart(transfer=transfer, by_staff=world.head, on=dt.date(2027, 5, 31))
    assert (ended.state, ended.ended_on) == ("completed", dt.date(2027, 5, 31))
    file = ChildFile.objects.get(pk=world.file.pk)
    assert (file.status, file.close_reason) == ("closed", "school")
    application = Application.objects.get(pk=world.application.pk)
    assert (application.status, application.status_reason) == ("archived", "school")
    event = LedgerEvent.objects.filter(kind="school_transfer.completed").get()
    assert event.payload["applications"] == [application.pk]
    assert LedgerEvent.objects.filter(kind="application.archived").count() == 1
    assert integrity_check().findings == []


def test_leaving_in_december_is_resigned_and_keeps_the_applications(world: World) -> None:
    transfer, _code = issued(world)
    ended = services.transfer_depart(transfer=transfer, by_staff=world.head, on=MONDAY.date())
    assert ended.state == "resigned"
    assert Application.objects.get(pk=world.application.pk).status == "enrolled"
    assert ChildFile.objects.get(pk=world.file.pk).status == "closed"
    with pytest.raises(Conflict):
        services.transfer_depart(transfer=ended, by_staff=world.head)
    assert integrity_check().findings == []


# --- E67 the ledger ---


def test_public_forms_carry_no_personal_data(world: World) -> None:
    transfer, code = issued(world)
    services.package_receive(code=code)
    child = world.file.child
    forms = [public_form(e).decode() for e in LedgerEvent.objects.filter(kind__startswith="school_transfer.")]
    assert len(forms) == 3
    for form in forms:
        for secret in (child.iin, child.last_name, child.first_name, "School-lyceum", code):
            assert secret not in form
    assert transfer.sha256 in forms[1]


def test_integrity_check_reports_a_changed_package_or_state(world: World) -> None:
    transfer, _code = issued(world)
    assert integrity_check().findings == []
    SchoolTransfer.objects.filter(pk=transfer.pk).update(
        package=transfer.package.replace(world.file.child.first_name, "Someone"),
        state="resigned",
        ended_on=MONDAY.date(),
    )
    kinds = {finding.kind for finding in integrity_check().findings}
    assert {"school_transfer.package", "school_transfer.state"} <= kinds
