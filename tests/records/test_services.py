"""The child's file (E1–E9): opened with the enrolment, contract, documents, health notes, group history,
closed with the departure; every change a ledger event in the same transaction."""

import datetime as dt
import hashlib

import pytest
import time_machine

from kezek.core.errors import Conflict, PermissionDenied, ValidationFailed
from kezek.integrity.diff import integrity_check
from kezek.ledger.models import LedgerEvent
from kezek.placement import services as placement
from kezek.records import services
from kezek.records.models import ChildDocument, ChildFile, GroupStay, HealthNote
from kezek.translog.public import public_data
from tests.factories.documents import PDF
from tests.records.conftest import MONDAY, World, jpeg, pdf

pytestmark = pytest.mark.django_db


def kinds(since: int = 0) -> list[str]:
    return list(LedgerEvent.objects.filter(seq__gt=since).order_by("seq").values_list("kind", flat=True))


def test_enrolment_opens_the_file_with_its_first_stay(world: World) -> None:
    """E1, E2: the enrolment and its file commit together, with a `record.opened` event."""
    file = world.file
    assert (file.status, file.opened_on, file.organisation_id) == (
        "open",
        MONDAY.date(),
        world.organisation.pk,
    )
    assert [(s.group_id, s.since, s.until) for s in file.stays.all()] == [
        (world.group.pk, MONDAY.date(), None)
    ]
    opened = LedgerEvent.objects.get(kind="record.opened")
    assert opened.payload["enrollment"] == world.enrollment.pk
    assert integrity_check().ok


@time_machine.travel(MONDAY, tick=False)
def test_staff_child_enrolment_opens_a_file_too(world: World) -> None:
    from tests.factories.discretion import basis
    from tests.staff.conftest import toddler

    child = toddler(5)
    enrollment = placement.enrollment_staff_child(
        group=world.group, child_iin=child.iin, by_staff=world.head, basis=basis(), on=MONDAY.date()
    )
    assert ChildFile.objects.get(enrollment=enrollment).status == "open"


@time_machine.travel(MONDAY, tick=False)
def test_contract_documents_and_health_are_ledger_events(world: World) -> None:
    """E3, E5, E6, E9."""
    seq = LedgerEvent.objects.latest("seq").seq
    services.child_file_contract_set(
        file=world.file, by_staff=world.staff, number="17/2026", signed_on=MONDAY.date(), monthly_fee="25000"
    )
    request = services.child_document_add(
        file=world.file, by_staff=world.staff, kind="parent_request", document=pdf(), issued_on=MONDAY.date()
    )
    form = services.child_document_add(
        file=world.file,
        by_staff=world.nurse,
        kind="medical_026",
        document=jpeg(),
        issued_on=MONDAY.date(),
        valid_until=MONDAY.date() + dt.timedelta(days=365),
    )
    newer = services.child_document_add(
        file=world.file,
        by_staff=world.nurse,
        kind="medical_026",
        document=pdf(),
        issued_on=MONDAY.date(),
        replaces=form,
    )
    services.health_note_set(
        file=world.file, by_staff=world.nurse, allergies="nuts", diet="no sugar", restrictions=""
    )
    assert kinds(seq) == [
        "record.contract_set",
        "record.document_added",
        "record.document_added",
        "record.document_added",
        "record.health_changed",
    ]
    file = ChildFile.objects.get(pk=world.file.pk)
    assert (file.contract_number, str(file.monthly_fee)) == ("17/2026", "25000.00")
    assert request.sha256 == hashlib.sha256(PDF).hexdigest()
    assert ChildDocument.objects.get(pk=form.pk).replaced_by == newer
    added = LedgerEvent.objects.filter(kind="record.document_added").order_by("seq").last()
    assert added is not None
    public = public_data(added.kind, added.payload)
    assert (public["sha256"], public["kind"]) == (newer.sha256, "medical_026")
    assert "document" in public
    assert ".pdf" not in str(public)
    health = LedgerEvent.objects.get(kind="record.health_changed")
    assert "nuts" not in str(health.payload)
    assert public_data(health.kind, health.payload).keys() == {
        "file",
        "enrollment",
        "organisation",
    }
    contract = LedgerEvent.objects.get(kind="record.contract_set")
    assert "17/2026" not in str(public_data(contract.kind, contract.payload))
    assert integrity_check().ok


@time_machine.travel(MONDAY, tick=False)
def test_transfer_records_a_stay_per_group(world: World) -> None:
    """E2: the enrolment moves in place; the file keeps a stay per group with dates."""
    with time_machine.travel(MONDAY + dt.timedelta(days=3), tick=False):
        placement.enrollment_transfer(
            enrollment=world.enrollment, to_group=world.other_group, by_staff=world.head
        )
    stays = list(GroupStay.objects.filter(file=world.file).values_list("group_id", "since", "until"))
    thursday = MONDAY.date() + dt.timedelta(days=3)
    assert stays == [(world.group.pk, MONDAY.date(), thursday), (world.other_group.pk, thursday, None)]
    assert integrity_check().ok


@time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False)
def test_departure_closes_and_archives_the_file(world: World) -> None:
    """E8: reason from the list and a note; the place is published; afterwards nothing changes."""
    placement.enrollment_depart(
        enrollment=world.enrollment, by_staff=world.head, reason="going to school", reason_code="school"
    )
    file = ChildFile.objects.get(pk=world.file.pk)
    assert (file.status, file.close_reason, file.close_note) == ("closed", "school", "going to school")
    assert file.stays.get().until == MONDAY.date() + dt.timedelta(days=1)
    before = (LedgerEvent.objects.count(), ChildDocument.objects.count(), HealthNote.objects.count())
    with pytest.raises(Conflict):
        services.child_file_contract_set(
            file=file, by_staff=world.head, number="1", signed_on=MONDAY.date(), monthly_fee=1
        )
    with pytest.raises(Conflict):
        services.child_document_add(
            file=file, by_staff=world.head, kind="certificate", document=pdf(), issued_on=MONDAY.date()
        )
    with pytest.raises(Conflict):
        services.health_note_set(file=file, by_staff=world.nurse, allergies="x", diet="", restrictions="")
    assert (LedgerEvent.objects.count(), ChildDocument.objects.count(), HealthNote.objects.count()) == before
    assert integrity_check().ok


@time_machine.travel(MONDAY, tick=False)
def test_an_unknown_departure_reason_writes_nothing(world: World) -> None:
    before = LedgerEvent.objects.count()
    with pytest.raises(ValidationFailed):
        placement.enrollment_depart(
            enrollment=world.enrollment, by_staff=world.head, reason="left us", reason_code="abducted"
        )
    assert LedgerEvent.objects.count() == before
    assert ChildFile.objects.get(pk=world.file.pk).status == "open"
    assert world.enrollment.__class__.objects.get(pk=world.enrollment.pk).left_on is None


@time_machine.travel(MONDAY, tick=False)
def test_roles_of_the_writes(world: World) -> None:
    """E4: health notes and medical documents only by the nurse or the head; a teacher writes nothing."""
    before = LedgerEvent.objects.count()
    for user in (world.staff, world.teacher):
        with pytest.raises(PermissionDenied):
            services.health_note_set(file=world.file, by_staff=user, allergies="x", diet="", restrictions="")
        with pytest.raises(PermissionDenied):
            services.child_document_add(
                file=world.file, by_staff=user, kind="medical_063", document=pdf(), issued_on=MONDAY.date()
            )
    with pytest.raises(PermissionDenied):
        services.child_file_contract_set(
            file=world.file, by_staff=world.teacher, number="1", signed_on=MONDAY.date(), monthly_fee=1
        )
    assert LedgerEvent.objects.count() == before


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "passport"}, "document_kind_invalid"),
        ({"issued_on": MONDAY.date() + dt.timedelta(days=1)}, "issued_on_future"),
        ({"valid_until": MONDAY.date() - dt.timedelta(days=1)}, "valid_until_invalid"),
    ],
)
@time_machine.travel(MONDAY, tick=False)
def test_bad_documents_write_nothing(world: World, kwargs: dict[str, object], code: str) -> None:
    before = (LedgerEvent.objects.count(), ChildDocument.objects.count())
    data: dict[str, object] = {"kind": "certificate", "issued_on": MONDAY.date(), **kwargs}
    with pytest.raises(ValidationFailed) as refused:
        services.child_document_add(file=world.file, by_staff=world.head, document=pdf(), **data)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert (LedgerEvent.objects.count(), ChildDocument.objects.count()) == before


@time_machine.travel(MONDAY, tick=False)
def test_open_missing_files_for_enrolments_made_before(world: World) -> None:
    """E1: an enrolment without a file (made before files existed) gets one, with its ledger event."""
    GroupStay.objects.all().delete()
    ChildFile.objects.all().delete()
    assert services.child_files_open_missing() == 1
    assert services.child_files_open_missing() == 0
