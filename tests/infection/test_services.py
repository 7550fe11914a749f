"""Infection control's rules (E51–E58): contacts from the timesheet, the quarantine set and extended, its
days in the timesheet, the parents told without the ill child's identity, enrolments and transfers into a
quarantined group refused, bad input refused with nothing written, the sweep, quarantine dates across KZ
holidays (time travel), and the ledger replay with its integrity findings."""

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine

from kezek.attendance.models import Closure, Correction, Mark
from kezek.core.errors import DomainError
from kezek.core.tick import tick_run
from kezek.infection import selectors, services
from kezek.infection.models import Case, Contact, Infection, Quarantine
from kezek.integrity.diff import integrity_check
from kezek.ledger.models import LedgerEvent
from kezek.notifications.models import OutboxMessage
from kezek.placement import services as placement
from kezek.placement.models import Enrollment
from kezek.staff.models import StaffProfile
from kezek.translog.public import public_data
from tests.attendance.conftest import at, enrol, mark_days
from tests.factories import GroupFactory

from .conftest import Clinic, make_clinic, record

pytestmark = pytest.mark.django_db
SEPTEMBER = [dt.date(2026, 9, d) for d in (1, 2, 3, 4, 7, 8, 9, 10, 11)]
FRIDAY = dt.date(2026, 9, 11)


def rows() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        Contact.objects.count(),
        Quarantine.objects.count(),
        Closure.objects.count(),
        OutboxMessage.objects.count(),
        LedgerEvent.objects.count(),
    )


def refused(code: str, status: int, call: Callable[[], object]) -> None:
    before = rows()
    with pytest.raises(DomainError) as caught:
        call()
    assert (caught.value.code, caught.value.status) == (code, status)
    assert rows() == before


def september(c: Clinic) -> None:
    """The second child is absent (ill) every day; the others are present."""
    mark_days(c.kg, SEPTEMBER, {c.kg.enrollments[1].pk: "illness"})


def test_a_case_derives_contacts_sets_quarantine_and_tells_parents(clinic: Clinic) -> None:
    september(clinic)
    case = record(clinic, on=FRIDAY, onset=dt.date(2026, 9, 10))
    kg = clinic.kg
    # E52: the window runs from the longest incubation (21 days) before the onset to the isolation.
    assert (case.window_first, case.window_last) == (dt.date(2026, 8, 20), FRIDAY)
    children = set(
        Contact.objects.filter(case=case, child__isnull=False).values_list("enrollment_id", flat=True)
    )
    assert children == {kg.enrollments[2].pk, kg.enrollments[3].pk}  # never the absent child, nor the ill one
    teacher = StaffProfile.objects.get(user=kg.teacher)
    assert list(
        Contact.objects.filter(case=case, staff__isnull=False).values_list("staff_id", flat=True)
    ) == [teacher.pk]
    # E53, E54: 21 calendar days after the isolation, and the days are a quarantine of the group.
    quarantine = Quarantine.objects.get()
    assert (quarantine.group, quarantine.first_day, quarantine.last_day) == (
        kg.group,
        FRIDAY,
        dt.date(2026, 10, 2),
    )
    closure = Closure.objects.get()
    assert (closure.group, closure.kind, closure.first_day, closure.last_day) == (
        kg.group,
        "quarantine",
        FRIDAY,
        dt.date(2026, 10, 2),
    )
    # E55: the parents of the two contacts, each once; never the ill child's name.
    messages = list(OutboxMessage.objects.filter(template="quarantine_contact"))
    recipients = {kg.applicants[2].phone, kg.applicants[3].phone}
    assert {m.recipient for m in messages} == recipients
    assert len(messages) == 2
    ill = kg.enrollments[0].child
    for message in messages:
        assert ill.last_name not in message.body
        assert ill.first_name not in message.body
        assert "02.10.2026" in message.body
    # E58: the events, and public forms with no child, infection or case date.
    kinds = list(LedgerEvent.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds[-3:] == ["closure.added", "quarantine.set", "infection.case_recorded"]
    recorded = LedgerEvent.objects.get(kind="infection.case_recorded")
    assert public_data(recorded.kind, recorded.payload) == {
        "organisation": kg.organisation.pk,
        "quarantines": [quarantine.pk],
    }
    assert integrity_check().ok


def test_a_new_case_extends_the_quarantine_and_tells_the_new_date(clinic: Clinic) -> None:
    september(clinic)
    record(clinic, on=FRIDAY)
    second = record(clinic, on=dt.date(2026, 9, 18), enrollment=clinic.kg.enrollments[2])
    quarantine = Quarantine.objects.get()
    assert quarantine.last_day == dt.date(2026, 10, 9)
    assert set(quarantine.cases.all()) == set(Case.objects.all())
    assert second in quarantine.cases.all()
    extension = Closure.objects.order_by("pk").last()
    assert extension is not None
    assert (extension.first_day, extension.last_day) == (dt.date(2026, 10, 3), dt.date(2026, 10, 9))
    event = LedgerEvent.objects.get(kind="quarantine.extended")
    assert public_data(event.kind, event.payload) == {
        "quarantine": quarantine.pk,
        "group": clinic.kg.group.pk,
        "organisation": clinic.kg.organisation.pk,
        "last_day": "2026-10-09",
        "previous_last_day": "2026-10-02",
    }
    assert OutboxMessage.objects.filter(body__contains="09.10.2026").exists()
    assert integrity_check().ok


def test_no_enrolment_or_transfer_into_a_group_in_quarantine(clinic: Clinic) -> None:
    september(clinic)
    record(clinic, on=FRIDAY)
    kg = clinic.kg
    enrolments = Enrollment.objects.count()
    with pytest.raises(DomainError) as caught:
        enrol(kg.group, 1, on=dt.date(2026, 9, 14), head=kg.head)
    assert caught.value.code == "quarantine"
    assert Enrollment.objects.count() == enrolments
    other = GroupFactory.create(organisation=kg.organisation, age_from=2, age_to=3, capacity=3)
    ((moved, _applicant),) = enrol(other, 1, on=dt.date(2026, 9, 14), head=kg.head)
    with time_machine.travel(at(dt.date(2026, 9, 15)), tick=False), pytest.raises(DomainError) as caught:
        placement.enrollment_transfer(enrollment=moved, to_group=kg.group, by_staff=kg.head)
    assert caught.value.code == "quarantine"
    assert Enrollment.objects.get(pk=moved.pk).group == other
    # After the last day the group takes children again.
    enrol(kg.group, 1, on=dt.date(2026, 10, 5), head=kg.head)


def test_bad_input_is_refused_and_nothing_is_written(clinic: Clinic) -> None:
    september(clinic)
    kg = clinic.kg
    refused("isolation_before_onset", 422, lambda: record(clinic, on=FRIDAY, onset=dt.date(2026, 9, 12)))
    refused(
        "isolation_future",
        422,
        lambda: record(clinic, on=FRIDAY, onset=FRIDAY, isolated=dt.date(2026, 9, 12)),
    )
    refused("infection_unknown", 422, lambda: record(clinic, on=FRIDAY, infection="plague"))
    refused(
        "not_enrolled", 422, lambda: record(clinic, on=FRIDAY, onset=dt.date(2026, 8, 28), isolated=FRIDAY)
    )
    other = make_clinic(1)
    refused("not_found", 404, lambda: record(clinic, on=FRIDAY, enrollment=other.kg.enrollments[0]))
    refused("role", 403, lambda: record(clinic, on=FRIDAY, by=kg.teacher))
    refused("role", 403, lambda: record(clinic, on=FRIDAY, by=kg.operator))
    with time_machine.travel(at(FRIDAY, 18), tick=False):
        refused(
            "subject_required",
            422,
            lambda: services.case_record(
                by_staff=clinic.nurse, infection_code="chickenpox", onset_on=FRIDAY, isolated_on=FRIDAY
            ),
        )


def test_a_staff_members_case_exposes_the_groups_they_keep(clinic: Clinic) -> None:
    september(clinic)
    teacher = StaffProfile.objects.get(user=clinic.kg.teacher)
    with time_machine.travel(at(FRIDAY, 18), tick=False):
        case = services.case_record(
            by_staff=clinic.nurse,
            infection_code="measles",
            onset_on=FRIDAY,
            isolated_on=FRIDAY,
            staff=teacher,
        )
    children = set(Contact.objects.filter(case=case).values_list("enrollment_id", flat=True))
    kg = clinic.kg
    assert children == {kg.enrollments[i].pk for i in (0, 2, 3)}
    assert Quarantine.objects.get().infection.code == "measles"
    # A nurse keeps no group: her case exposes none and sets no quarantine.
    nurse = StaffProfile.objects.get(user=clinic.nurse)
    with time_machine.travel(at(FRIDAY, 19), tick=False):
        quiet = services.case_record(
            by_staff=kg.head, infection_code="mumps", onset_on=FRIDAY, isolated_on=FRIDAY, staff=nurse
        )
    assert not Contact.objects.filter(case=quiet).exists()
    assert Quarantine.objects.count() == 1
    assert integrity_check().ok


def test_the_sweep_ends_the_quarantine_once(clinic: Clinic) -> None:
    september(clinic)
    record(clinic, on=FRIDAY)
    with time_machine.travel(at(dt.date(2026, 10, 2), 23), tick=False):
        assert tick_run()["infection.quarantines_end"] == 0  # the last day still counts
    with time_machine.travel(at(dt.date(2026, 10, 3), 0), tick=False):
        assert tick_run()["infection.quarantines_end"] == 1
        assert tick_run()["infection.quarantines_end"] == 0
    assert Quarantine.objects.get().ended_at is not None
    assert integrity_check().ok


# --- quarantine dates across KZ holidays (E53) -----------------------------------------------------------


def test_calendar_days_run_through_holidays() -> None:
    chickenpox = Infection(incubation_days=21, quarantine_days=21, counting=Infection.Counting.CALENDAR)
    # Isolated on 11 December 2026: 16 December (Independence Day) and 1 January count like any day.
    assert selectors.quarantine_last_day(chickenpox, isolated_on=dt.date(2026, 12, 11)) == dt.date(2027, 1, 1)


def test_working_days_skip_holidays_and_the_group_reopens_after_them() -> None:
    clinic = make_clinic(2)
    kg = clinic.kg
    Infection.objects.create(
        code="working_test",
        name_kk="сынақ",
        name_ru="тест",
        name_en="test",
        incubation_days=3,
        quarantine_days=5,
        counting=Infection.Counting.WORKING,
        watch_kk="—",
        watch_ru="—",
        watch_en="—",
        source="unverified: a test infection",
    )
    friday = dt.date(2026, 12, 11)
    mark_days(kg, [dt.date(2026, 12, 9), dt.date(2026, 12, 10), friday])
    record(clinic, on=friday, infection="working_test")
    # Five working days after Friday 11: 14, 15, (16 is Independence Day), 17, 18, 21.
    assert Quarantine.objects.get().last_day == dt.date(2026, 12, 21)
    with pytest.raises(DomainError):
        enrol(kg.group, 1, on=dt.date(2026, 12, 21), head=kg.head)
    with time_machine.travel(at(dt.date(2026, 12, 22), 0), tick=False):
        assert tick_run()["infection.quarantines_end"] == 1
    enrol(kg.group, 1, on=dt.date(2026, 12, 22), head=kg.head)


# --- the ledger vouches for cases and quarantines (E58) ---------------------------------------------------


def test_an_edited_quarantine_is_a_finding(clinic: Clinic) -> None:
    september(clinic)
    record(clinic, on=FRIDAY)
    Quarantine.objects.update(last_day=dt.date(2026, 9, 20))
    kinds = {finding.kind for finding in integrity_check().findings}
    assert kinds == {"quarantine.last_day"}


def test_marks_after_a_correction_count_as_corrected(clinic: Clinic) -> None:
    """E52 reads the effective mark: a mark corrected to absent (E16) is not a day of contact."""
    september(clinic)
    mark = Mark.objects.get(enrollment=clinic.kg.enrollments[2], day=FRIDAY)
    Correction.objects.create(
        mark=mark,
        present=False,
        reason="illness",
        shown_in=dt.date(2026, 10, 1),
        made_by=clinic.kg.head,
        made_at=at(dt.date(2026, 10, 9)),
        note="late certificate",
    )
    exposure = selectors.child_exposure(child_id=clinic.kg.enrollments[2].child_id, first=FRIDAY, last=FRIDAY)
    assert exposure == {}
