"""Reads of the children's files (E1–E7): the kindergarten's list, one file with its parts, the parent's
own children. Staff reads are narrowed by the caller's `Scope` (another kindergarten's file is a 404), a
teacher's further to the children of the groups they keep (E7)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from kezek.attendance.selectors import assignments_current
from kezek.core import clock
from kezek.core.errors import NotFound
from kezek.registry.models import RegistryPerson
from kezek.staff.models import Role, StaffProfile
from kezek.staff.selectors import Scope
from kezek.waitlist.models import Applicant, Application, Child

from .models import MEDICAL_KINDS, ChildDocument, ChildFile, GroupStay, HealthNote, SensitiveRead
from .services import SENSITIVE_ROLES

LIST_LIMIT = 500


def files_in_scope(scope: Scope) -> QuerySet[ChildFile]:
    """The files `scope` may read (E7): its kindergartens'; a teacher only those of the children who are in
    a group the teacher keeps today (`attendance.TeacherAssignment`; a child who left today still counts)."""
    rows = ChildFile.objects.select_related("child", "enrollment__group", "organisation")
    rows = scope.filter(rows, locality="organisation__locality", organisation="organisation")
    if scope.role == Role.TEACHER:
        today = clock.today()
        profiles = StaffProfile.objects.filter(user_id=scope.user_id).values_list("pk", flat=True)
        groups = assignments_current(profile_id=profiles.first() or 0, on=today).values("group_id")
        rows = rows.filter(
            Q(enrollment__left_on__isnull=True) | Q(enrollment__left_on__gte=today),
            enrollment__group__in=groups,
        )
    return rows


def file_in_scope(scope: Scope, pk: int) -> ChildFile:
    """One file of the scope, or NotFound."""
    return scope.get(
        files_in_scope(scope), locality="organisation__locality", organisation="organisation", pk=pk
    )


def may_read_health(role: str) -> bool:
    return role in SENSITIVE_ROLES


@dataclass
class FileView:
    """A file as one reader may see it: `health` and the medical documents only when `sensitive` (E4)."""

    file: ChildFile
    guardians: list[RegistryPerson]
    contacts: list[Applicant]
    stays: list[GroupStay]
    documents: list[ChildDocument]
    sensitive: bool
    health: Any = None
    reads: list[SensitiveRead] = field(default_factory=list)
    today: dt.date = field(default_factory=clock.today)


def guardians_of(file: ChildFile) -> list[RegistryPerson]:
    """E2: the child's parents and guardians as the registry knows them."""
    return list(
        RegistryPerson.objects.filter(children_links__child__iin=file.child.iin).order_by("last_name", "pk")
    )


def contacts_of(file: ChildFile) -> list[Applicant]:
    """E2: who the kindergarten calls — the applicants of the child's applications (with their phones)."""
    ids = Application.objects.filter(child_id=file.child_id).values("applicant_id")
    return list(Applicant.objects.filter(pk__in=ids).order_by("pk"))


def file_view(file: ChildFile, *, sensitive: bool, with_reads: bool = False) -> FileView:
    documents = ChildDocument.objects.filter(file=file).select_related("replaced_by")
    if not sensitive:
        documents = documents.exclude(kind__in=MEDICAL_KINDS)
    view = FileView(
        file=file,
        guardians=guardians_of(file),
        contacts=contacts_of(file),
        stays=list(GroupStay.objects.filter(file=file).select_related("group")),
        documents=list(documents),
        sensitive=sensitive,
    )
    if sensitive:
        view.health = HealthNote.objects.filter(file=file).first()
    if with_reads:
        view.reads = list(SensitiveRead.objects.filter(file=file).select_related("user", "document")[:200])
    return view


def own_child_ids(applicant: Applicant) -> set[int]:
    """The children whose files a parent sees (E7): of their own applications, or theirs in the registry."""
    own = set(Application.objects.filter(applicant=applicant).values_list("child_id", flat=True))
    registry = RegistryPerson.objects.filter(parent_links__parent__iin=applicant.iin).values("iin")
    own |= set(Child.objects.filter(iin__in=registry).values_list("pk", flat=True))
    return own


def files_of_parent(applicant: Applicant) -> QuerySet[ChildFile]:
    return (
        ChildFile.objects.filter(child_id__in=own_child_ids(applicant))
        .select_related("child", "enrollment__group", "organisation")
        .order_by("-opened_at", "-pk")
    )


def file_of_parent(applicant: Applicant, pk: int) -> ChildFile:
    file = files_of_parent(applicant).filter(pk=pk).first()
    if file is None:
        raise NotFound(_("Not found."))
    return file


def document_of(file: ChildFile, pk: int) -> ChildDocument:
    document = ChildDocument.objects.filter(file=file, pk=pk).first()
    if document is None:
        raise NotFound(_("Not found."))
    return document


def document_response(document: ChildDocument) -> HttpResponse:
    """The document's file as a download named by its type (never by the uploaded name)."""
    extension = document.document.name.rsplit(".", 1)[-1]
    with document.document.open("rb") as handle:
        content = handle.read()
    response = HttpResponse(content, content_type="application/pdf" if extension == "pdf" else "image/jpeg")
    response["Content-Disposition"] = f'attachment; filename="{document.kind}-{document.pk}.{extension}"'
    return response
