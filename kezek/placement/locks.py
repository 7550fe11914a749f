"""Row locks of distribution (order: `kezek.core.locks`). The group's lock (`kezek.facilities.locks`)
comes first and serialises the group's seat accounting; then its publication, a direction, places, an
enrolment; a place is taken by a conditional UPDATE besides its lock."""

from typing import Literal, overload

from django.db.models import QuerySet

from kezek.core.locks import locked
from kezek.facilities.models import Group
from kezek.waitlist.models import Application

from .models import (
    LIVE_DIRECTION_STATES,
    Direction,
    Enrollment,
    MedicalIndication,
    Place,
    PlacementSettings,
    Publication,
)


@overload
def direction_lock(pk: int) -> Direction: ...
@overload
def direction_lock(pk: int, *, skip_locked: Literal[True]) -> Direction | None: ...
def direction_lock(pk: int, *, skip_locked: bool = False) -> Direction | None:
    """The direction, locked, with its application and group read (not locked). `skip_locked`: None when
    another transaction holds it."""
    rows = locked(Direction.objects.select_related("application", "group"), skip_locked=skip_locked)
    return rows.filter(pk=pk).first() if skip_locked else rows.get(pk=pk)


def live_direction_lock(application: Application) -> Direction | None:
    """The application's live direction (P4: at most one), locked, with its group read."""
    rows = Direction.objects.filter(application=application, state__in=LIVE_DIRECTION_STATES)
    return locked(rows.select_related("group__organisation__locality")).first()


def place_lock(candidates: QuerySet[Place], *, skip_locked: bool = False) -> Place | None:
    """The first of these places, locked; `skip_locked`: the first nobody else holds."""
    return locked(candidates, skip_locked=skip_locked).first()


def open_places_lock(group: Group, *, count: int | None = None) -> list[int]:
    """The ids of the group's newest `count` (all when None) open places, locked, newest first."""
    rows = locked(Place.objects.filter(group=group, status=Place.Status.OPEN).order_by("-pk"))
    ids = rows.values_list("pk", flat=True)
    return list(ids if count is None else ids[:count])


def publication_lock(pk: int) -> Publication:
    return locked(Publication.objects.all()).get(pk=pk)


def enrollment_lock(pk: int) -> Enrollment:
    return locked(Enrollment.objects.all()).get(pk=pk)


def placement_settings_lock(locality_id: int) -> PlacementSettings | None:
    """The locality's distribution settings row, locked, or None when it has none yet."""
    return locked(PlacementSettings.objects.filter(locality_id=locality_id)).first()


def medical_indication_lock(pk: int) -> MedicalIndication:
    """A medical indication, locked, with its application and locality read (not locked)."""
    return locked(MedicalIndication.objects.select_related("application__locality")).get(pk=pk)


def confirmed_indication_lock(child_id: int) -> MedicalIndication | None:
    """The child's confirmed medical indication (at most one), locked."""
    rows = MedicalIndication.objects.filter(child_id=child_id, status=MedicalIndication.Status.CONFIRMED)
    return locked(rows).first()
