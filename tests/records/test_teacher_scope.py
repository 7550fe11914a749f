"""E7: a teacher sees only the files of the children in the groups they keep (issue #18) — pages and API
alike; a file of another group of the same kindergarten is a 404, and so is every file once the teacher
keeps the group no more."""

import datetime as dt

import pytest
import time_machine

from kezek.attendance import services as attendance
from kezek.attendance.models import TeacherAssignment
from kezek.placement import services as placement
from kezek.records import services
from kezek.records.models import ChildFile
from tests.factories import register_application
from tests.records.conftest import MONDAY, World, pdf
from tests.records.test_pages import client_of
from tests.staff.conftest import toddler

pytestmark = pytest.mark.django_db
LATER = MONDAY + dt.timedelta(days=14)  # the other group's priority window is over


@pytest.fixture
def other_file(world: World) -> ChildFile:
    """A child enrolled in the other group of the same kindergarten, with a (not medical) document."""
    with time_machine.travel(LATER, tick=False):
        application = register_application(locality=world.organisation.locality, child=toddler(2))
        direction = placement.direction_take(
            application=application, group=world.other_group, applicant=application.applicant
        )
        enrollment = placement.direction_enroll(direction=direction, by_staff=world.head, on=LATER.date())
        file = ChildFile.objects.get(enrollment=enrollment)
        services.child_document_add(
            file=file, by_staff=world.head, kind="certificate", document=pdf(), issued_on=LATER.date()
        )
    return file


def paths(file: ChildFile) -> list[str]:
    page = f"/staff/kindergarten/records/{file.pk}/"
    document = file.documents.get()
    return [page, f"{page}documents/{document.pk}/", f"/api/v1/staff/records/{file.pk}"]


def test_a_teacher_sees_only_the_files_of_their_groups(world: World, other_file: ChildFile) -> None:
    services.child_document_add(
        file=world.file, by_staff=world.head, kind="certificate", document=pdf(), issued_on=MONDAY.date()
    )
    with time_machine.travel(LATER + dt.timedelta(hours=1), tick=False):
        teacher, head = client_of(world.teacher), client_of(world.head)
        for path in paths(world.file):
            assert teacher.get(path).status_code == 200, path
        for path in paths(other_file):
            assert head.get(path).status_code == 200, path  # the file is there: the 404 is the scope's
            assert teacher.get(path).status_code == 404, path
        listed = {row["id"] for row in teacher.get("/api/v1/staff/records").json()}
        assert listed == {world.file.pk}
        page = teacher.get("/staff/kindergarten/records/").content.decode()
        assert f"/records/{world.file.pk}/" in page
        assert f"/records/{other_file.pk}/" not in page


def test_a_teacher_who_keeps_the_group_no_more_sees_none(world: World) -> None:
    assignment = TeacherAssignment.objects.get(profile__user=world.teacher)
    attendance.teacher_unassign(assignment=assignment, until=LATER.date(), by_staff=world.head)
    page = f"/staff/kindergarten/records/{world.file.pk}/"
    with time_machine.travel(LATER + dt.timedelta(hours=1), tick=False):
        assert client_of(world.teacher).get(page).status_code == 200  # the last day kept
    with time_machine.travel(LATER + dt.timedelta(days=1), tick=False):
        teacher = client_of(world.teacher)
        assert teacher.get(page).status_code == 404
        assert teacher.get(f"/api/v1/staff/records/{world.file.pk}").status_code == 404
        assert teacher.get("/api/v1/staff/records").json() == []
