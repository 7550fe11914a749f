"""Placement factories. Medical indications go through the services (the real path), so their ledger events
and constraints are exactly what production writes."""

import datetime as dt

from django.contrib.auth.models import User

from kezek.core import clock
from kezek.placement import services
from kezek.placement.models import MedicalIndication
from kezek.waitlist.models import Application
from tests.factories.waitlist import certificate


def medical_indication(
    application: Application,
    *,
    confirm: bool | None = True,
    issued_on: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> MedicalIndication:
    """Submit the child's medical indication (P3) and — unless `confirm` is None — have staff decide it.

    By default issued today and valid for a year."""
    today = clock.today()
    indication = services.medical_indication_submit(
        application=application,
        applicant=application.applicant,
        document=certificate("conclusion.pdf"),
        issued_on=issued_on or today,
        valid_until=valid_until or today + dt.timedelta(days=365),
    )
    if confirm is None:
        return indication
    staff, _created = User.objects.get_or_create(username="medical-officer", defaults={"is_staff": True})
    return services.medical_indication_decide(
        indication=indication,
        confirm=confirm,
        by_staff=staff,
        reason="" if confirm else "not a sanatorium case",
    )
