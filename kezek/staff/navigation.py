"""The back-office menu: each section, the roles that see it, and whether they may change things there."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import DEPARTMENT_ROLES, KINDERGARTEN_ROLES, Role
from .selectors import Scope

DEPARTMENT = (*DEPARTMENT_ROLES, Role.ADMINISTRATOR)
DEPARTMENT_READ = (*DEPARTMENT, Role.AUDITOR)
KINDERGARTEN = (*KINDERGARTEN_ROLES, Role.ADMINISTRATOR)
HEADS = (Role.DEPARTMENT_HEAD, Role.ADMINISTRATOR)
RECORDS = (*KINDERGARTEN, Role.TEACHER, Role.NURSE)  # the children's files (issue #18, E4)


@dataclass(frozen=True)
class Section:
    url_name: str
    label: str | Promise
    roles: tuple[str, ...]


SECTIONS = (
    Section("staff:organisations", _("Organisations and groups"), DEPARTMENT_READ),
    Section("staff:benefits", _("Benefit confirmation"), DEPARTMENT_READ),
    Section("staff:applications", _("Applications"), DEPARTMENT_READ),
    Section("staff:access_requests", _("Cabinet access requests"), DEPARTMENT_READ),
    Section("staff:feedback", _("Complaints and suggestions"), DEPARTMENT_READ),
    Section("staff:settings", _("Locality settings"), DEPARTMENT_READ),
    Section("staff:reports", _("Reports"), DEPARTMENT_READ),
    Section("staff:campaigns", _("Confirmation campaigns"), DEPARTMENT_READ),
    Section("staff:ledger", _("Ledger"), DEPARTMENT_READ),
    Section("vouchers:staff", _("Vouchers"), DEPARTMENT_READ),
    Section("staff:directions_pending", _("Directions awaiting enrolment"), KINDERGARTEN),
    Section("staff:groups", _("Groups and rosters"), KINDERGARTEN),
    Section("staff:records", _("Children's files"), RECORDS),
    Section("staff:school_transfers", _("Transfers to school"), KINDERGARTEN),
    Section("staff:attendance_department", _("Attendance timesheets"), DEPARTMENT_READ),
    Section("staff:attendance", _("Attendance timesheets"), (*KINDERGARTEN, Role.TEACHER)),
    Section("monitoring:home", _("Development monitoring"), (*KINDERGARTEN, Role.TEACHER)),
    Section("monitoring:report", _("Development monitoring"), DEPARTMENT_READ),
    Section("staff:funding", _("Per-capita funding"), DEPARTMENT_READ),
    Section("exchange:staff", _("Place exchange"), (Role.KINDERGARTEN_HEAD,)),
    Section(
        "staff:funding_statements", _("Funding statements"), (Role.KINDERGARTEN_HEAD, Role.ADMINISTRATOR)
    ),
    Section("staff:infection", _("Infection control"), (Role.KINDERGARTEN_HEAD, Role.NURSE)),  # E56
    Section("staff:infection_department", _("Infection control"), DEPARTMENT_READ),  # E57: counts
)


def menu(scope: Scope) -> list[tuple[str, str | Promise]]:
    """(url, label) of the sections this role may open (sections not built yet are left out)."""
    items = []
    for section in SECTIONS:
        if scope.role not in section.roles:
            continue
        try:
            items.append((reverse(section.url_name), section.label))
        except NoReverseMatch:
            continue
    return items
