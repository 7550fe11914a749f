"""E52 as a property (hypothesis): over random timesheets, a child is a contact exactly when they were
present in the ill child's group on a day of the window the ill child was present too — so a child absent
on every day of the window is never a contact."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kezek.attendance.models import Mark
from kezek.core import clock
from kezek.infection import selectors

from .conftest import Clinic

pytestmark = pytest.mark.django_db
HYPOTHESIS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
DAYS = [dt.date(2026, 9, d) for d in (1, 2, 3, 4, 7, 8, 9, 10, 11)]
CHILDREN = 4
PATTERNS = st.lists(
    st.lists(st.booleans(), min_size=len(DAYS), max_size=len(DAYS)), min_size=CHILDREN, max_size=CHILDREN
)
WINDOWS = st.tuples(st.integers(0, len(DAYS) - 1), st.integers(0, len(DAYS) - 1)).map(sorted)


@given(patterns=PATTERNS, window=WINDOWS)
@HYPOTHESIS
def test_contacts_are_exactly_the_children_present_with_the_ill_one(
    clinic: Clinic, patterns: list[list[bool]], window: list[int]
) -> None:
    kg = clinic.kg
    first, last = DAYS[window[0]], DAYS[window[1]]
    with transaction.atomic():
        Mark.objects.bulk_create(
            Mark(
                enrollment=e,
                child_id=e.child_id,
                group=kg.group,
                day=day,
                present=present,
                reason="" if present else "illness",
                marked_by=kg.teacher,
                marked_at=clock.now(),
            )
            for e, pattern in zip(kg.enrollments, patterns, strict=True)
            for day, present in zip(DAYS, pattern, strict=True)
        )
        ill = kg.enrollments[0]
        exposure = selectors.child_exposure(child_id=ill.child_id, first=first, last=last)
        found = {c.child_id for c in selectors.child_contacts(exposure, except_child=ill.child_id)}
        inside = [i for i, day in enumerate(DAYS) if first <= day <= last]
        expected = {
            e.child_id
            for e, pattern in zip(kg.enrollments[1:], patterns[1:], strict=True)
            if any(pattern[i] and patterns[0][i] for i in inside)
        }
        assert found == expected
        for e, pattern in zip(kg.enrollments[1:], patterns[1:], strict=True):
            if not any(pattern[i] for i in inside):
                assert e.child_id not in found  # absent on every day of the window: never a contact
        transaction.set_rollback(True)
