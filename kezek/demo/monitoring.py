"""Demo development monitoring (E40–E49): the start-of-year point of the demo timesheets' two groups, filled
through the services as their teachers would — the first group's for part of its children (the point left
open, the rest for the teacher to do), the second group's for every child and locked by the head, so the
parents see the cards in the cabinet."""

import random

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from kezek.attendance.models import TeacherAssignment
from kezek.attendance.selectors import enrolled_on_day
from kezek.core import clock
from kezek.core.errors import DomainError
from kezek.monitoring import selectors, services
from kezek.monitoring.models import Card, CardMark, CardRead, Indicator, Period, Point, PointDates

from .writers import frozen_tables_empty

MODELS = (CardRead, CardMark, Card, Point, PointDates)
LEVELS = ["high", "medium", "medium", "low"]  # drawn for the demo: mostly medium


def demo_monitoring_delete() -> None:
    """Empty the monitoring tables (the template stays). PostgreSQL: TRUNCATE (row triggers do not fire);
    SQLite: DELETE while the database is being emptied (the locked points' triggers allow it then)."""
    frozen_tables_empty(MODELS)


def demo_monitoring_load(*, seed: int) -> int:
    """Cards of the start point in the demo teachers' groups; returns how many were saved."""
    if getattr(settings, "IS_PRODUCTION", False):
        return 0
    head = User.objects.filter(username="demo-kindergarten").first()
    assignments = TeacherAssignment.objects.select_related("group__organisation__locality", "profile__user")
    rng = random.Random(seed)
    saved = 0
    today = clock.today()
    with transaction.atomic():
        for index, assignment in enumerate(assignments.order_by("group_id")[:2]):
            group, teacher = assignment.group, assignment.profile.user
            children = list(enrolled_on_day(group_id=group.pk, day=today))
            template = selectors.template_current(today)
            codes = list(
                Indicator.objects.filter(area__template=template, age=selectors.band_of(group)).values_list(
                    "code", flat=True
                )
            )
            part = children if index else children[: max(1, len(children) * 2 // 3)]
            try:
                for enrollment in part:
                    marks = {code: rng.choice(LEVELS) for code in codes}
                    services.card_save(
                        group=group,
                        period=Period.START,
                        enrollment_id=enrollment.pk,
                        marks=marks,
                        by_staff=teacher,
                    )
                    saved += 1
                if index and head is not None and part:
                    services.point_lock(group=group, period=Period.START, by_staff=head)
            except DomainError:  # the point has not started (a demo of a later school year): nothing more
                continue
    return saved
