"""The demo's kindergartens with children in them (issue #18): in the first demo locality's first few
kindergartens (the demo kindergarten's staff see theirs), most seats are taken by the queue's children
through the real services — a direction taken from the published places, then the enrolment, which opens
the child's file — and the rest stay free and published. The files get contracts, a few documents and
health notes, by the demo head and nurse.

Bounded (`ENROL_ORGANISATIONS`) so `seed_demo --scale small` stays quick: each enrolment is two real
service transactions with their ledger events."""

import datetime as dt
import random
from decimal import Decimal
from functools import cache

from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF

from kezek.core import clock
from kezek.core.errors import DomainError
from kezek.facilities.models import BaseFee, Group, Locality, Organisation
from kezek.placement import selectors as placement_selectors
from kezek.placement import services as placement
from kezek.placement.models import Direction, Enrollment
from kezek.records import services as records
from kezek.records.models import ChildDocument, ChildFile, GroupStay, HealthNote, SensitiveRead

from . import catalogue as cat

ENROL_ORGANISATIONS = 2  # kindergartens of the first demo locality that get children (the demo one first)
ENROL_SHARE = 0.85  # of each of their groups' seats; the rest stay free and published
DOCUMENTED_FILES = 12  # files per kindergarten with documents and health notes
ALLERGIES = ["", "", "", "орехи", "цитрусовые", "лактоза", "мёд"]
DIETS = ["", "", "без сахара", "без глютена", "щадящая диета"]


@cache
def _pdf(title: str) -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(text=title)
    return bytes(document.output())


def _upload(title: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{title}.pdf", _pdf(title), content_type="application/pdf")


def demo_records_delete() -> None:
    """Remove the demo's files, enrolments and directions (before the places, the queue and the staff)."""
    for name in ChildDocument.objects.values_list("document", flat=True).iterator():
        default_storage.delete(name)
    for model in (SensitiveRead, HealthNote, ChildDocument, GroupStay, ChildFile, Enrollment, Direction):
        model._base_manager.all().delete()


def _fee(organisation: Organisation, group: Group) -> Decimal:
    fee = (
        BaseFee.objects.filter(
            organisation=organisation, age_from__lte=group.age_from, age_to__gt=group.age_from
        )
        .values_list("monthly_fee", flat=True)
        .first()
    )
    return Decimal(fee or 0)


def demo_records_load(*, seed: int) -> int:
    """Enrol children in most seats of the first kindergartens and fill their files; returns the children
    enrolled."""
    head = User.objects.filter(username="demo-kindergarten").first()
    nurse = User.objects.filter(username="demo-nurse").first()
    locality = Locality.objects.filter(region__code__in=cat.DEMO_REGION_CODES).order_by("pk").first()
    if head is None or nurse is None or locality is None:
        return 0
    rng = random.Random(seed)
    today = clock.today()
    # The attendance demo's children (enrolled earlier by the head's order) get their contracts too.
    for file in ChildFile.objects.filter(contract_number="").select_related(
        "enrollment__group", "organisation__locality"
    ):
        group = file.enrollment.group
        records.child_file_contract_set(
            file=file,
            by_staff=head,
            number=f"{group.organisation_id}-{file.enrollment_id}/{today.year}",
            signed_on=file.enrollment.enrolled_on,
            monthly_fee=_fee(group.organisation, group),
        )
    enrolled = 0
    organisations = Organisation.objects.filter(locality=locality, is_active=True).order_by("pk")
    for organisation in organisations[:ENROL_ORGANISATIONS]:
        files: list[ChildFile] = []
        for group in Group.objects.filter(organisation=organisation, is_active=True).order_by("pk"):
            wanted = int(group.capacity * ENROL_SHARE)
            fee = _fee(organisation, group)
            for application in placement_selectors.eligible_in_order(group=group, limit=wanted, on=today):
                try:
                    direction = placement.direction_take(
                        application=application, group=group, applicant=application.applicant
                    )
                    if direction.state != Direction.State.AWAITING_ENROLLMENT:
                        continue  # waits for its benefit to be confirmed: a live direction, as in life
                    enrollment = placement.direction_enroll(direction=direction, by_staff=head)
                except DomainError:
                    continue  # a twin took the seat with its sibling, or the group filled up
                enrolled += 1
                file = ChildFile.objects.select_related("organisation__locality").get(enrollment=enrollment)
                records.child_file_contract_set(
                    file=file,
                    by_staff=head,
                    number=f"{organisation.pk}-{enrollment.pk}/{today.year}",
                    signed_on=today,
                    monthly_fee=fee,
                )
                files.append(file)
        for file in files[:DOCUMENTED_FILES]:
            _document(file, nurse=nurse, head=head, rng=rng, today=today)
    return enrolled


def _document(file: ChildFile, *, nurse: User, head: User, rng: random.Random, today: dt.date) -> None:
    records.child_document_add(
        file=file,
        by_staff=nurse,
        kind="medical_026",
        document=_upload("Form 026"),
        issued_on=today - dt.timedelta(days=rng.randint(5, 60)),
        valid_until=today + dt.timedelta(days=365),
    )
    records.child_document_add(
        file=file,
        by_staff=nurse,
        kind="medical_063",
        document=_upload("Form 063"),
        issued_on=today - dt.timedelta(days=rng.randint(5, 60)),
    )
    if rng.random() < 0.5:
        records.child_document_add(
            file=file,
            by_staff=head,
            kind="parent_request",
            document=_upload("Request"),
            issued_on=today,
        )
    records.health_note_set(
        file=file,
        by_staff=nurse,
        allergies=rng.choice(ALLERGIES),
        diet=rng.choice(DIETS),
        restrictions=rng.choice(["", "", "освобождение от физкультуры на 2 недели"]),
    )
