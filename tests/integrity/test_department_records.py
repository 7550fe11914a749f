"""A1: the records that were once only chain-checked are replayed and diffed — medical indications,
campaigns and their answers, access requests (four eyes), organisations' passports and fees, groups'
passports, teacher assignments and closures. Lived through the services they are clean; each edited in
SQL (as the application role: these tables have no triggers) is reported with its own finding kind. So
are messages to the department whose status or answer changed behind `feedback_answer`'s back."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.db.models import Model

from kezek.attendance import services as attendance
from kezek.attendance.models import Closure, TeacherAssignment
from kezek.cabinet import services as cabinet
from kezek.cabinet.models import AccessRequest
from kezek.confirmation import services as confirmation
from kezek.confirmation.models import Campaign, Response
from kezek.facilities import services as facilities
from kezek.facilities.models import BaseFee, Group, Organisation
from kezek.feedback.models import Feedback, Kind
from kezek.feedback.services import feedback_answer
from kezek.integrity import replay as r
from kezek.integrity.diff import integrity_check
from kezek.placement.models import MedicalIndication
from kezek.staff.models import Role, StaffProfile
from kezek.waitlist.models import Application
from tests.cabinet.test_api import last_code
from tests.factories import RegistryPersonFactory, medical_indication, staff_user
from tests.factories.discretion import basis
from tests.factories.facilities import sequence_bin
from tests.factories.waitlist import certificate, next_phone

from .conftest import MONDAY, World, kinds

pytestmark = pytest.mark.django_db

LATER = MONDAY + dt.timedelta(days=40, hours=1)  # after the world's last tick


@dataclass(frozen=True)
class Lived:
    world: World
    indication: MedicalIndication  # confirmed, superseding an earlier one
    campaign: Campaign  # extended, notified, answered, swept
    request: AccessRequest  # a stranger's, approved by two staff members (D2)
    organisation: Organisation  # created and edited through the services
    assignment: TeacherAssignment  # assigned, then unassigned
    closure: Closure
    messages: tuple[Feedback, Feedback]  # one answered by staff, one as received


def _access_request(app: Application) -> AccessRequest:
    stranger = RegistryPersonFactory.create(adult=True)  # not the child's parent in the register
    phone, alt = next_phone(), next_phone()
    main_code, alt_code = cabinet.access_request_start(
        requester_iin=stranger.iin, child_iin=app.child.iin, phone=phone, phone_alt=alt, ip=None,
        language="ru",
    )  # fmt: skip
    return cabinet.access_request_submit(
        requester_iin=stranger.iin, child_iin=app.child.iin, code_id=main_code.id, code=last_code(phone),
        alt_code_id=alt_code.id, alt_code=last_code(alt), document=certificate(),
        explanation="Бабушка, опекун ребёнка по решению суда", language="ru",
    )  # fmt: skip


def message(world: World) -> Feedback:
    """A complaint as received (the public form writes no event: staff's first act does)."""
    return Feedback.objects.create(
        kind=Kind.DEPARTMENT, locality=world.locality, text="Ворота сломаны.", contact_name="Айгерим",
        phone="+77011234567", created_at=LATER, updated_at=LATER,
    )  # fmt: skip


@pytest.fixture
def lived(world: World) -> Lived:
    with time_machine.travel(LATER, tick=False):
        apps = list(Application.objects.filter(locality=world.locality, status="queued").order_by("pk"))
        medical_indication(apps[0], confirm=False)
        medical_indication(apps[0])
        indication = medical_indication(apps[0])  # supersedes the one before
        request = _access_request(apps[1])
        for staff in (staff_user(locality=world.locality), staff_user(locality=world.locality)):
            request = cabinet.access_request_decide(
                request=request, approve=True, by_staff=staff, basis=basis("Решение суда об опеке проверено")
            )  # fmt: skip
        organisation = facilities.organisation_create(
            locality=world.locality, by_staff=world.operator, bin=sequence_bin(90_001), fees=[(1, 3, 20_000)],
            name_kk="Балапан", name_ru="Балапан", kind="kindergarten", ownership="private",
            address="ул. Абая, 1", work_week="five_day", opens_at=dt.time(8), closes_at=dt.time(19),
        )  # fmt: skip
        facilities.organisation_update(
            organisation=organisation, by_staff=world.operator, name_ru="Балапан-2", fees=[(1, 4, 22_000)]
        )
        facilities.group_update(
            group=world.group, by_staff=world.operator, name="Айгөлек", language="ru", stay_mode="half_day"
        )
        teacher = staff_user(role=Role.TEACHER, organisation=world.group.organisation)
        profile = StaffProfile.objects.get(user=teacher)
        assignment = attendance.teacher_assign(
            profile=profile, group=world.group, since=LATER.date(), by_staff=world.head
        )
        attendance.teacher_unassign(
            assignment=assignment, until=LATER.date() + dt.timedelta(days=3), by_staff=world.head
        )
        closure = attendance.closure_add(
            organisation=world.group.organisation, first_day=LATER.date(), kind="quarantine",
            last_day=LATER.date() + dt.timedelta(days=2), group=world.group, by_staff=world.head,
        )  # fmt: skip
        messages = (message(world), message(world))
        feedback_answer(feedback=messages[0], by=world.operator, answer="Ворота починили.")
        campaign = confirmation.campaign_launch(locality=world.locality, by_staff=world.operator)
        confirmation.campaign_extend(
            campaign=campaign, ends_at=campaign.ends_at + dt.timedelta(days=5), by_staff=world.operator
        )
        confirmation.campaigns_due()  # the launch message goes out
        answers = confirmation.Answers(
            kindergartens=(world.group.organisation_id,), ownership="any", ownership_reason="", language="kk",
            max_payment=25_000,
        )  # fmt: skip
        confirmation.questionnaire_submit(campaign=campaign, applicant=apps[2].applicant, answers=answers)
    with time_machine.travel(LATER + dt.timedelta(days=40), tick=False):
        confirmation.campaigns_due()  # the sweep stop-lists the rest and closes the campaign
    return Lived(
        world, MedicalIndication.objects.get(pk=indication.pk), Campaign.objects.get(pk=campaign.pk),
        AccessRequest.objects.get(pk=request.pk), Organisation.objects.get(pk=organisation.pk),
        TeacherAssignment.objects.get(pk=assignment.pk), closure, messages,
    )  # fmt: skip


def test_lived_through_records_are_clean(lived: Lived) -> None:
    assert integrity_check().findings == []
    assert lived.indication.status == "confirmed"
    assert MedicalIndication.objects.filter(status="superseded").count() == 1
    request = lived.request
    assert request.status == "approved"
    assert request.first_approved_by_id not in (None, request.decided_by_id)  # D2: two staff members
    assert (lived.campaign.swept_at is not None, lived.campaign.stop_listed_count > 0) == (True, True)
    assert lived.campaign.responses.count() == 1


def edit(model: type[Model], pk: object, **fields: Any) -> None:
    """A plain UPDATE of one row, as the application role may write it."""
    assert model._default_manager.filter(pk=pk).update(**fields) == 1


def another_child(x: Lived) -> None:
    other = Application.objects.exclude(child=x.indication.child_id).first()
    assert other is not None
    edit(MedicalIndication, x.indication.pk, child=other.child)


def rejected_confirmed(x: Lived) -> None:
    edit(MedicalIndication, x.indication.pk, status="superseded")
    edit(MedicalIndication, MedicalIndication.objects.get(status="rejected").pk, status="confirmed")


def answer_given_to_another(x: Lived) -> None:
    """An answer moved to an applicant who did not answer: shielded from the sweep (C4)."""
    other = Application.objects.exclude(applicant__confirmation_responses__isnull=False).first()
    assert other is not None
    edit(Response, x.campaign.responses.get().pk, applicant=other.applicant)


def another_group(x: Lived) -> None:
    group = Group.objects.create(
        organisation=x.world.group.organisation, name="Тайная", age_from=2, age_to=3, language="kk",
        capacity=1, academic_year=2026,
    )  # fmt: skip
    edit(TeacherAssignment, x.assignment.pk, group=group)


def closure_inserted(x: Lived) -> None:
    Closure.objects.create(
        organisation=x.closure.organisation, first_day=LATER.date(), last_day=LATER.date(), kind="closed",
        created_at=LATER, created_by=x.world.head,
    )  # fmt: skip


# Each tampering as plain statements of the application role, and the finding it must raise.
TAMPERINGS: dict[str, tuple[Callable[[Lived], object], str]] = {
    # P3: who may take a sanatorium place
    "a rejected indication confirmed": (rejected_confirmed, "medical_indication.status"),
    "an indication's validity extended": (
        lambda x: edit(MedicalIndication, x.indication.pk, valid_until=dt.date(2030, 1, 1)),
        "medical_indication.valid_until",
    ),
    "an indication moved to another child": (another_child, "medical_indication.child"),
    # C1–C4
    "a campaign's end moved": (
        lambda x: edit(Campaign, x.campaign.pk, ends_at=x.campaign.ends_at + dt.timedelta(days=30)),
        "campaign.ends_at",
    ),
    "a campaign's stop-listings recounted": (
        lambda x: edit(Campaign, x.campaign.pk, stop_listed_count=0),
        "campaign.stop_listed_count",
    ),
    "an answer given to another applicant": (answer_given_to_another, "campaign_response.unrecorded"),
    "an answer deleted": (lambda x: x.campaign.responses.get().delete(), "campaign.responses"),
    # D2: four eyes
    "an access request's first approver replaced": (
        lambda x: edit(AccessRequest, x.request.pk, first_approved_by=staff_user()),
        "access_request.first_approved_by",
    ),
    "an access request's decision reversed": (
        lambda x: edit(AccessRequest, x.request.pk, status="rejected", reason="отказано"),
        "access_request.status",
    ),
    # organisations and groups
    "an organisation renamed": (
        lambda x: edit(Organisation, x.organisation.pk, name_ru="Другой"),
        "organisation.name_ru",
    ),
    "an organisation's opening hour moved": (
        lambda x: edit(Organisation, x.organisation.pk, opens_at=dt.time(7, 30)),
        "organisation.opens_at",
    ),
    "an organisation's fee raised": (
        lambda x: edit(BaseFee, x.organisation.base_fees.get().pk, monthly_fee=99_000),
        "organisation.fees",
    ),
    "a group's language changed": (lambda x: edit(Group, x.world.group.pk, language="kk"), "group.language"),
    # E20: the stay mode selects the per-capita normative
    "a group's stay mode changed": (
        lambda x: edit(Group, x.world.group.pk, stay_mode="full_day"),
        "group.stay_mode",
    ),
    "a group's ages changed": (
        lambda x: edit(Group, x.world.group.pk, age_from=5, age_to=6),
        "group.age_from",
    ),
    # E10, E12
    "a teacher given another group": (another_group, "teacher_assignment.group"),
    "a teacher's assignment reopened": (
        lambda x: edit(TeacherAssignment, x.assignment.pk, until=None),
        "teacher_assignment.until",
    ),
    "a teacher assigned in SQL": (
        lambda x: TeacherAssignment.objects.create(
            profile=x.assignment.profile, group=x.world.group, since=LATER.date()
        ),
        "teacher_assignment.unrecorded",
    ),
    "a closure lengthened": (
        lambda x: edit(Closure, x.closure.pk, last_day=x.closure.last_day + dt.timedelta(days=10)),
        "closure.last_day",
    ),
    "a closure added in SQL": (closure_inserted, "closure.unrecorded"),
    # messages to the department
    "an answered message reopened": (
        lambda x: edit(Feedback, x.messages[0].pk, status="in_progress"),
        "feedback.status",
    ),
    "a message closed quietly": (
        lambda x: edit(Feedback, x.messages[1].pk, status="closed"),
        "feedback.status",
    ),
    "a message answered quietly": (
        lambda x: edit(Feedback, x.messages[1].pk, answer="Решено."),
        "feedback.answered",
    ),
    "a closure deleted": (lambda x: Closure.objects.filter(pk=x.closure.pk).delete(), "closure.missing"),
}


@pytest.mark.parametrize("name", TAMPERINGS)
def test_a_tampering_is_reported(lived: Lived, name: str) -> None:
    attempt, finding = TAMPERINGS[name]
    attempt(lived)
    assert finding in kinds()


# --- anomalies the rules find in the events themselves ----------------------------------------------


def _event(seq: int, kind: str, subject: str, **payload: Any) -> r.Event:
    return r.Event(
        seq, kind, kind.split(".")[0], subject, "x", payload, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )


def _anomalies(*events: r.Event) -> list[str]:
    return [what for _seq, _about, what in r.replay(events).anomalies]


def test_a_second_approval_without_a_recorded_first_is_an_anomaly() -> None:
    """D2: an approval naming a first approver the ledger never recorded (e.g. set in SQL)."""
    submitted = _event(1, "access_request.submitted", "7", status="pending")
    approved = _event(2, "access_request.approved", "7", status="approved", by=2, first_approved_by=1)
    assert _anomalies(submitted, approved) == ["a second approval with no recorded first approval"]
    first = _event(2, "access_request.first_approved", "7", status="pending", by=2)
    again = _event(3, "access_request.approved", "7", status="approved", by=2, first_approved_by=2)
    assert _anomalies(submitted, first, again) == ["both approvals by one staff member"]


def test_an_indications_dates_changed_before_its_decision_is_an_anomaly() -> None:
    """P3: the decision restates the dates; an edit between submission and decision shows."""
    dates = {"application": 1, "issued_on": "2026-01-01"}
    submitted = _event(
        1, "medical_indication.submitted", "3", **dates, valid_until="2026-06-01", status="pending"
    )
    confirmed = _event(
        2, "medical_indication.confirmed", "3", **dates, valid_until="2027-06-01", status="confirmed"
    )
    assert _anomalies(submitted, confirmed) == ["dates changed between submission and decision"]


def test_a_campaign_closed_with_other_counts_is_an_anomaly() -> None:
    launched = _event(1, "campaign.launched", "4", campaign=4, year=2026, starts_at="2026-10-01T00:00:00Z",
                      ends_at="2026-11-01T00:00:00Z")  # fmt: skip
    answered = _event(2, "campaign.confirmed", "4", campaign=4, year=2026, applicant=9)
    twice = _event(3, "campaign.confirmed", "4", campaign=4, year=2026, applicant=9)
    closed = _event(4, "campaign.closed", "4", campaign=4, year=2026, confirmed=1, stop_listed=0)
    assert _anomalies(launched, answered, twice, closed) == [
        "one applicant answered twice",
        "closed with other counts than the recorded answers",
    ]
