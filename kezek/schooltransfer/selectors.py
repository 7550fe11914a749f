"""Reads of the transfers to school (E60–E69): the final preschool year, who is a guardian, the parent's
and the kindergarten's transfers, a package by its public verification code, the development section."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from kezek.core.errors import NotFound
from kezek.monitoring import selectors as monitoring_selectors
from kezek.records.models import ChildFile
from kezek.records.selectors import files_of_parent
from kezek.registry.adapters import get_registry
from kezek.staff.selectors import Scope
from kezek.waitlist.models import Applicant, Child

from .models import SchoolTransfer

SCHOOL_AGE = 6  # E60: the first grade takes a child who is 6 on 1 September
SCHOOL_YEAR_START = (9, 1)
COMPLETION_MONTHS = frozenset({5, 6, 7, 8})  # E66: May–August


def school_start(on: dt.date) -> dt.date:
    """E60: the next 1 September after `on` (the first school day the child is heading for)."""
    start = dt.date(on.year, *SCHOOL_YEAR_START)
    return start if on < start else dt.date(on.year + 1, *SCHOOL_YEAR_START)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def registry_birth_date(child: Child) -> dt.date:
    """The child's birth date as the state register gives it (the child's row copies it, I1)."""
    person = get_registry().find_person(iin=child.iin)
    return person.birth_date if person is not None else child.birth_date


def in_final_year(child: Child, *, on: dt.date) -> bool:
    """E60: the child is in the final preschool year on `on` when they are at least 6 on the next
    1 September, by the registry's birth date."""
    return age_on(registry_birth_date(child), school_start(on)) >= SCHOOL_AGE


def is_guardian(applicant: Applicant, child: Child) -> bool:
    """E61: the register lists the applicant as the child's parent or guardian."""
    return get_registry().is_parent_of(parent_iin=applicant.iin, child_iin=child.iin)


def completes(left_on: dt.date) -> bool:
    """E66: a departure in May–August completes the transfer; any other month it is resigned."""
    return left_on.month in COMPLETION_MONTHS


def receipt_digest(code: str) -> str:
    """E65: the keyed digest a receipt code is kept as (the code itself is never stored)."""
    return salted_hmac("kezek.schooltransfer.receipt", code, algorithm="sha256").hexdigest()


def development_section(*, child_id: int) -> dict[str, Any]:
    """E62: the development card for the package, from the locked monitoring points (E44)."""
    return monitoring_selectors.development_summary(child_id=child_id)


def parent_files(applicant: Applicant) -> QuerySet[ChildFile]:
    """The open files of the parent's children (E7), with their transfers."""
    return files_of_parent(applicant).filter(status=ChildFile.Status.OPEN).select_related("school_transfer")


def transfers_of_parent(applicant: Applicant) -> QuerySet[SchoolTransfer]:
    return (
        SchoolTransfer.objects.filter(file__in=files_of_parent(applicant))
        .select_related("child", "organisation", "file")
        .order_by("-consented_at", "-pk")
    )


def transfer_of_parent(applicant: Applicant, pk: int) -> SchoolTransfer:
    found = transfers_of_parent(applicant).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Not found."))
    return found


def transfers_in_scope(scope: Scope) -> QuerySet[SchoolTransfer]:
    rows = SchoolTransfer.objects.select_related("child", "organisation", "file")
    return scope.filter(rows, locality="organisation__locality", organisation="organisation").order_by(
        "-consented_at", "-pk"
    )


def transfer_in_scope(scope: Scope, pk: int) -> SchoolTransfer:
    return scope.get(
        transfers_in_scope(scope), locality="organisation__locality", organisation="organisation", pk=pk
    )


def transfer_by_verification_code(code: str) -> SchoolTransfer:
    """E64: the issued package of this public code (printed as the QR code), or 404."""
    found = (
        SchoolTransfer.objects.select_related("child", "organisation").filter(verification_code=code).first()
        if code
        else None
    )
    if found is None:
        raise NotFound(_("No school package was found for this code."))
    return found
