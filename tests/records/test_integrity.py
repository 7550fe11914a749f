"""E9: `integrity_check` notices a child's file or document edited in SQL behind the ledger's back."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection

from kezek.integrity.diff import integrity_check
from kezek.records import services
from kezek.records.models import ChildDocument, ChildFile
from tests.records.conftest import MONDAY, World, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(world: World) -> ChildDocument:
    with time_machine.travel(MONDAY, tick=False):
        services.child_file_contract_set(
            file=world.file, by_staff=world.head, number="7/2026", signed_on=MONDAY.date(), monthly_fee=20000
        )
        services.health_note_set(
            file=world.file, by_staff=world.nurse, allergies="eggs", diet="", restrictions=""
        )
        document = services.child_document_add(
            file=world.file, by_staff=world.nurse, kind="medical_026", document=pdf(), issued_on=MONDAY.date()
        )
    assert integrity_check().ok
    return document


def sql(statement: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def kinds() -> set[str]:
    return {finding.kind for finding in integrity_check().findings}


def test_a_documents_hash_edited_in_sql(kept: ChildDocument) -> None:
    sql("UPDATE records_childdocument SET sha256 = %s WHERE id = %s", "0" * 64, kept.pk)
    assert kinds() == {"child_document.sha256"}


def test_a_file_closed_in_sql(world: World, kept: ChildDocument) -> None:
    sql(
        "UPDATE records_childfile SET status = 'closed', closed_on = %s, closed_at = %s, "
        "close_reason = 'other' WHERE id = %s",
        MONDAY.date(),
        MONDAY,
        world.file.pk,
    )
    assert kinds() == {"child_file.status"}


def test_contract_health_and_stays_edited_in_sql(world: World, kept: ChildDocument) -> None:
    sql("UPDATE records_childfile SET monthly_fee = 1 WHERE id = %s", world.file.pk)
    sql("UPDATE records_healthnote SET allergies = '' WHERE file_id = %s", world.file.pk)
    sql(
        "UPDATE records_groupstay SET group_id = %s WHERE file_id = %s",
        world.other_group.pk,
        world.file.pk,
    )
    assert kinds() == {"child_file.contract", "child_file.health", "child_file.stays"}


def test_a_document_inserted_or_deleted_in_sql(world: World, kept: ChildDocument) -> None:
    sql("DELETE FROM records_childdocument WHERE id = %s", kept.pk)
    assert kinds() == {"child_document.missing"}
    ChildDocument.objects.create(
        file=world.file,
        kind="certificate",
        document="records/forged.pdf",
        sha256="1" * 64,
        issued_on=MONDAY.date(),
        uploaded_at=MONDAY,
        uploaded_by=world.head,
    )
    assert kinds() == {"child_document.missing", "child_document.unrecorded"}


def test_a_file_without_its_event(world: World) -> None:
    """A file forged for an enrolment (no `record.opened`) is reported."""
    sql("DELETE FROM records_groupstay")
    sql("DELETE FROM records_childfile")
    ChildFile.objects.create(
        enrollment=world.enrollment,
        child_id=world.enrollment.child_id,
        organisation=world.organisation,
        opened_on=MONDAY.date() - dt.timedelta(days=1),
        opened_at=MONDAY,
    )
    found = kinds()
    assert "child_file.missing" in found
    assert "child_file.stays" in found or "child_file.unrecorded" in found
