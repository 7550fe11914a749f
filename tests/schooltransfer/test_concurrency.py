"""E61, E62, E65 exactly once under real concurrency (PostgreSQL, one connection per thread): one consent,
one package, one receipt, however many arrive at once."""

import pytest

from kezek.ledger.models import LedgerEvent
from kezek.schooltransfer import services
from kezek.schooltransfer.models import SchoolTransfer
from tests.concurrency import run_parallel

from .conftest import make_world

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("ledger_agrees"),
]


def test_one_consent_one_package_one_receipt() -> None:
    world = make_world()
    applicant = world.application.applicant
    consents = run_parallel(
        6,
        lambda n: services.transfer_consent(file=world.file, applicant=applicant, school_name=f"School {n}"),
    )
    assert consents == {"ok": 1, "already_consented": 5}
    codes: list[str] = []
    issues = run_parallel(
        6, lambda n: codes.append(services.package_issue(file=world.file, by_staff=world.head)[1])
    )
    assert issues == {"ok": 1, "already_issued": 5}
    (code,) = codes
    receipts = run_parallel(6, lambda n: services.package_receive(code=code))
    assert receipts == {"ok": 1, "code_used": 5}
    assert SchoolTransfer.objects.get().state == "received"
    kinds = list(
        LedgerEvent.objects.filter(kind__startswith="school_transfer.").values_list("kind", flat=True)
    )
    assert kinds == [
        "school_transfer.consented",
        "school_transfer.package_issued",
        "school_transfer.received",
    ]
