"""The live side of `integrity_check` for the children's files (E9): each file and document as the value
lists `kezek.integrity.replay` builds from the ledger (`FILE_FIELDS`, `DOCUMENT_FIELDS`)."""

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from .models import ChildDocument, ChildFile, GroupStay, HealthNote
from .services import health_digest


def live_files(*, chunk_size: int) -> Iterator[tuple[int, list[Any]]]:
    stays: dict[int, list[int]] = defaultdict(list)
    for file_id, group_id in GroupStay.objects.order_by("file_id", "since", "pk").values_list(
        "file_id", "group_id"
    ):
        stays[file_id].append(group_id)
    health = {
        file_id: health_digest(allergies=allergies, diet=diet, restrictions=restrictions)
        for file_id, allergies, diet, restrictions in HealthNote.objects.values_list(
            "file_id", "allergies", "diet", "restrictions"
        )
    }
    rows = ChildFile.objects.order_by("pk").values_list(
        "pk", "enrollment_id", "status", "contract_number", "contract_date", "monthly_fee"
    )
    for pk, enrollment, status, number, date, fee in rows.iterator(chunk_size=chunk_size):
        contract = (number, date.isoformat(), str(fee)) if date is not None else None
        yield pk, [enrollment, status, contract, health.get(pk), tuple(stays.get(pk, ()))]


def live_documents(*, chunk_size: int) -> Iterator[tuple[int, list[Any]]]:
    rows = ChildDocument.objects.order_by("pk").values_list("pk", "file_id", "kind", "sha256")
    for pk, file_id, kind, sha256 in rows.iterator(chunk_size=chunk_size):
        yield pk, [file_id, kind, sha256]
