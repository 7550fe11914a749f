"""The demo's kindergartens with children in them (issue #18): most seats of every demo kindergarten are
taken by the queue's children through the real services, at the moments of the demo's history
(`kezek.demo.history`): the seat sweep publishes the seats, the priority window's holders take directions,
then the queue's next in general access, and the head enrols them, which opens the child's file. The rest
stay free and published. The files get contracts by the head; a few of the demo kindergarten's, documents
and health notes by the nurse."""

import contextlib
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
from kezek.facilities.models import BaseFee, Group, Organisation
from kezek.placement import selectors as placement_selectors
from kezek.placement import services as placement
from kezek.placement.models import Direction, Enrollment
from kezek.records import services as records
from kezek.records.models import ChildDocument, ChildFile, GroupStay, HealthNote, SensitiveRead
from kezek.waitlist.models import Application

from . import catalogue as cat
from . import history
from . import vouchers as demo_vouchers
from .funding import MAX_PARENT_FEE

ENROL_ORGANISATIONS: int | None = None  # kindergartens that get children, by pk (None: all; 0: none)
LARGE_SCALE_ORGANISATIONS = 2  # beyond the small scale (benchmarks' data): the history of the first two only
FREE_SHARE = (0.08, 0.16)  # of each group's seats left free and published
DOCUMENTED_FILES = 12  # files of the demo kindergarten with documents and health notes
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


@cache
def _fee(group_id: int) -> Decimal:
    """The monthly fee of the group's age by its organisation's base fees (0 where there are none), within
    the demo's maximum parental fee."""
    group = Group.objects.get(pk=group_id)
    fee = (
        BaseFee.objects.filter(
            organisation_id=group.organisation_id, age_from__lte=group.age_from, age_to__gt=group.age_from
        )
        .values_list("monthly_fee", flat=True)
        .first()
    )
    return min(Decimal(fee or 0), MAX_PARENT_FEE)  # E21: never above the maximum parental fee


def contract_sign(enrollment: Enrollment, *, head: User) -> ChildFile:
    """The head signs the child's contract on the enrolment day, with the group's fee (E1)."""
    file = ChildFile.objects.select_related("organisation__locality").get(enrollment=enrollment)
    records.child_file_contract_set(
        file=file,
        by_staff=head,
        number=f"{file.organisation_id}-{enrollment.pk}/{enrollment.enrolled_on.year}",
        signed_on=enrollment.enrolled_on,
        monthly_fee=_fee(enrollment.group_id),
    )
    return file


def demo_records_load(*, seed: int, small: bool = True) -> tuple[int, dict[str, int]]:
    """Enrol children in most seats of every demo kindergarten through the services, at the moments of the
    demo's history (`kezek.demo.history`), and fill their files; returns the children enrolled.

    The seat sweep publishes every seat (P1) with a priority window: its holders take directions in queue
    order (P2), the next working day the queue's next take the seats left (general access), two working days
    later the head enrols them. A few seats of each group stay free and published. The voucher locality's
    seats go through vouchers instead (`kezek.demo.vouchers`). Returns the children enrolled and the
    vouchers by state."""
    head = User.objects.filter(username="demo-kindergarten").first()
    nurse = User.objects.filter(username="demo-nurse").first()
    if head is None or nurse is None or ENROL_ORGANISATIONS == 0:
        return 0, {}
    days = history.history_days()
    rng = random.Random(f"kezek-demo:{seed}:enrolments")
    organisations = Organisation.objects.filter(
        locality__region__code__in=cat.DEMO_REGION_CODES, is_active=True
    ).order_by("pk")[
        : ENROL_ORGANISATIONS if ENROL_ORGANISATIONS is not None or small else LARGE_SCALE_ORGANISATIONS
    ]
    groups = list(
        Group.objects.filter(organisation__in=organisations, is_active=True)
        .select_related("organisation__locality")
        .order_by("pk")
    )
    wanted = {group.pk: group.capacity - free_seats(group.capacity, rng) for group in groups}
    locality = demo_vouchers.voucher_locality()
    vouchered = [g for g in groups if locality is not None and g.organisation.locality_id == locality.pk]
    if vouchered:
        with history.travel(days.published, 9):
            demo_vouchers.demo_voucher_policy_set(by=User.objects.filter(username="demo-admin").first())
    with history.travel(days.published):
        # P1: every seat published as free since the day before: the priority window is over (P2), the seats
        # are in general access, taken in queue order (Q4) by the applications at the head of the line.
        placement.unaccounted_seats_publish(freed_at=clock.now() - dt.timedelta(days=2))
        # In two rounds (half the seats, then the rest), so that where children of an age are few every
        # kindergarten gets some, not the first ones all.
        windowed = [g for g in groups if g not in vouchered]
        for share in (0.5, 1.0):
            upto = {group.pk: round(wanted[group.pk] * share) for group in windowed}
            for group in windowed:
                short = upto[group.pk] - history.directed(group.pk)
                if short <= 0:
                    continue
                for application in placement_selectors.eligible_in_order(
                    group=group, limit=short + 5, on=days.published
                ):
                    if not _take(application, group, upto):
                        break
        if vouchered and locality is not None:
            demo_vouchers.demo_vouchers_history(locality=locality, groups=vouchered, wanted=wanted, days=days)
    enrolled = enrol_directed(groups, head=head, nurse=nurse, on=days.enrolled, rng=rng)
    vouchers = (
        demo_vouchers.demo_vouchers_recent(locality=locality, days=days, seed=seed)
        if vouchered and locality is not None
        else {}
    )
    return enrolled, vouchers


def free_seats(capacity: int, rng: random.Random) -> int:
    """The seats of a group left free and published: about one in eight, at least one."""
    return max(1, round(capacity * rng.uniform(*FREE_SHARE)))


def _take(application: Application, group: Group, wanted: dict[int, int]) -> bool:
    """The parent takes a place of the group for the application (P2–P4, twins with it: P6) unless the group
    has its children already; False when it has."""
    if history.directed(group.pk) >= wanted[group.pk]:
        return False
    with contextlib.suppress(DomainError):  # a twin's place missing, say (P6): the next application
        placement.direction_take(application=application, group=group, applicant=application.applicant)
    return True


def enrol_directed(groups: list[Group], *, head: User, nurse: User, on: dt.date, rng: random.Random) -> int:
    """At `on` the head enrols every direction of `groups` awaiting enrolment and signs the contracts; the
    nurse adds documents and health notes to a few files of the demo kindergarten."""
    enrolled = 0
    files: list[ChildFile] = []
    _fee.cache_clear()  # group ids of an earlier load may be reused
    with history.travel(on, 9):
        for direction in Direction.objects.filter(
            group__in=groups, state=Direction.State.AWAITING_ENROLLMENT
        ).order_by("pk"):
            enrollment = placement.direction_enroll(direction=direction, by_staff=head, on=on)
            enrolled += 1
            file = contract_sign(enrollment, head=head)
            if file.organisation_id == groups[0].organisation_id and len(files) < DOCUMENTED_FILES:
                files.append(file)
        for file in files:
            _document(file, nurse=nurse, head=head, rng=rng, today=on)
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
