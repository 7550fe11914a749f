"""Demo infection control (issue #19, E50–E59): one past quarantine in the first demo kindergarten — the
nurse `demo-nurse` recorded a case of chickenpox of a child of the attendance demo's first group in the
month before last, through the real service (contacts from the demo's marks, the quarantine's days, the
parents' messages, the ledger events); the sweep has ended it since."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import User

from kezek.attendance import selectors as attendance
from kezek.attendance.models import Mark, TeacherAssignment
from kezek.infection import services
from kezek.infection.models import Case, CaseRead, Contact, Quarantine

MODELS = (CaseRead, Quarantine.cases.through, Quarantine, Contact, Case)
CASE_DAY = 7  # the case is isolated on the 7th working day of the month before last


def demo_infection_delete() -> None:
    """Empty the infection tables (every case is demo data); the infections themselves stay."""
    for model in MODELS:
        model._base_manager.all().delete()


def demo_infection_load() -> int:
    """The past quarantine (21 days from a day of the month before last: over before this month), ended
    by the sweep; returns the quarantines ended — 0 when the attendance demo has no child present then."""
    nurse = User.objects.filter(username="demo-nurse").first()
    assignment = TeacherAssignment.objects.select_related("group__organisation").order_by("pk").first()
    if getattr(settings, "IS_PRODUCTION", False) or nurse is None or assignment is None:
        return 0
    group = assignment.group
    month = attendance.month_start(assignment.since)
    days = attendance.working_days(group=group, month=month)
    if len(days) < CASE_DAY:
        return 0
    isolated = days[CASE_DAY - 1]
    mark = Mark.objects.filter(group=group, day=isolated, present=True).order_by("pk").first()
    if mark is None:
        return 0
    services.case_record(
        by_staff=nurse,
        infection_code="chickenpox",
        onset_on=isolated - dt.timedelta(days=1),
        isolated_on=isolated,
        enrollment=mark.enrollment,
    )
    return services.quarantines_end_due()
