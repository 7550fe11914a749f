"""The demo's transfers to school (E69): one consent and one issued, signed package in the demo head's
kindergarten; a reset removes and reloads them; `integrity_check` finds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from kezek.integrity.diff import integrity_check
from kezek.schooltransfer import package
from kezek.schooltransfer.models import SchoolTransfer

pytestmark = pytest.mark.django_db


def seed(*args: str) -> None:
    call_command("seed_demo", "--scale", "small", *args, stdout=StringIO(), stderr=StringIO())


@pytest.mark.database_owner  # the reset empties the ledger
def test_the_demo_has_one_consent_and_one_issued_package() -> None:
    seed()
    assert sorted(SchoolTransfer.objects.values_list("state", flat=True)) == ["consented", "issued"]
    issued = SchoolTransfer.objects.get(state="issued")
    assert package.package_verify(package.package_document(issued)).ok
    report = integrity_check()
    assert report.ok, report.findings[:5]
    seed("--reset")
    assert SchoolTransfer.objects.count() == 2
