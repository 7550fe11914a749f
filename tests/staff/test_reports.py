"""Back-office reports: each report's figures against known data (and one query each), the SVG chart,
CSV/XLSX downloads, the scope (another locality's data is never counted; its id answers 404) and roles."""

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from kezek.facilities.models import Group, Locality, Organisation
from kezek.placement import services as placement
from kezek.placement.models import Direction
from kezek.registry.models import RegistryPerson
from kezek.staff import reports
from kezek.staff.models import Role
from kezek.staff.selectors import scope_of
from kezek.waitlist.models import Application
from tests.factories import (
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    register_application,
    staff_user,
)
from tests.staff.conftest import staff_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # the msgids, pages and reports
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)
TUESDAY = dt.datetime(2026, 12, 8, 8, 0, tzinfo=ALMATY)  # the priority window ended at 07:00
NOW = dt.datetime(2026, 12, 9, 12, 0, tzinfo=ALMATY)


@dataclass
class World:
    home: Locality
    other: Locality
    organisation: Organisation
    other_organisation: Organisation
    group: Group
    referred: Application  # first priority, born 9 Dec 2023: 2 on the day of issue (one day short of 3)
    enrolled: Application  # enrolled then left
    queued: list[Application]
    other_enrolled: Application
    head: User


def child(born: dt.date) -> RegistryPerson:
    return RegistryPersonFactory.create(birth_date=born)


def build_world() -> World:
    """Home locality: 2024 cohort — 1 first-priority and 3 general queued; 2023 cohort — 1 general queued
    (too old for the group); one direction waiting for enrolment (age 2), one enrolled then left (age 2).
    Other locality: 1 queued, 1 enrolled (never counted for home staff)."""
    home, other = LocalityFactory.create(), LocalityFactory.create()
    organisation = OrganisationFactory.create(locality=home, name_ru="Ясли-сад Балапан")
    other_organisation = OrganisationFactory.create(locality=other, name_ru="Ясли-сад Айголек")
    group = GroupFactory.create(organisation=organisation, age_from=2, age_to=3, capacity=3)
    other_group = GroupFactory.create(organisation=other_organisation, age_from=2, age_to=3, capacity=2)
    head = User.objects.create(username="kindergarten-head")
    with time_machine.travel(MONDAY, tick=False):
        referred = register_application(
            locality=home,
            child=child(dt.date(2023, 12, 9)),
            tier="first_priority",
        )
        enrolled = register_application(locality=home, child=child(dt.date(2024, 1, 5)))
        queued = [
            register_application(locality=home, child=child(dt.date(2024, 3, 1)), tier="first_priority"),
            *(register_application(locality=home, child=child(dt.date(2024, 4, d))) for d in (1, 2, 3)),
            register_application(locality=home, child=child(dt.date(2023, 6, 1))),
        ]
        other_enrolled = register_application(locality=other, child=child(dt.date(2024, 2, 1)))
        register_application(locality=other, child=child(dt.date(2024, 2, 2)))
        placement.places_publish(group=group)
        placement.places_publish(group=other_group)
    with time_machine.travel(TUESDAY, tick=False):
        placement.direction_take(application=referred, group=group, applicant=referred.applicant)
        direction = placement.direction_take(application=enrolled, group=group, applicant=enrolled.applicant)
        enrolment = placement.direction_enroll(direction=direction, by_staff=head)
        placement.enrollment_depart(enrollment=enrolment, by_staff=head, reason="moved to Almaty")
        other_direction = placement.direction_take(
            application=other_enrolled, group=other_group, applicant=other_enrolled.applicant
        )
        placement.direction_enroll(direction=other_direction, by_staff=head)
    return World(
        home, other, organisation, other_organisation, group, referred, enrolled, queued, other_enrolled, head
    )


@pytest.fixture
def world() -> World:
    return build_world()


def operator(world: World) -> Client:
    return staff_client(Role.OPERATOR, locality=world.home)


@time_machine.travel(NOW, tick=False)
def test_queue_by_cohort_and_tier(world: World, django_assert_num_queries: DjangoAssertNumQueries) -> None:
    scope = scope_of(staff_user(role=Role.OPERATOR, locality=world.home))
    with django_assert_num_queries(1):
        report = reports.queue_report(scope=scope)
    assert [str(c) for c in report.columns] == [
        "Birth year",
        "extraordinary right",
        "first-priority right",
        "general queue",
        "Total",
    ]
    assert report.rows == [[2023, 0, 0, 1, 1], [2024, 0, 1, 3, 4]]
    assert "<svg" in report.chart
    assert '<title id="chart-queue-title">' in report.chart


@time_machine.travel(NOW, tick=False)
def test_free_places_by_organisation(world: World, django_assert_num_queries: DjangoAssertNumQueries) -> None:
    scope = scope_of(staff_user(role=Role.OPERATOR, locality=world.home))
    with django_assert_num_queries(1):
        report = reports.free_places_report(scope=scope)
    # Capacity 3: one live direction, nobody enrolled now (the child left), so 2 places are open.
    assert report.rows == [["Ясли-сад Балапан", 3, 0, 2]]
    administrator = scope_of(staff_user(role=Role.ADMINISTRATOR))
    rows = reports.free_places_report(scope=administrator).rows
    assert ["Ясли-сад Айголек", 2, 1, 1] in rows
    assert ["Ясли-сад Балапан", 3, 0, 2] in rows


@time_machine.travel(NOW, tick=False)
def test_directions_by_state_and_age(world: World, django_assert_num_queries: DjangoAssertNumQueries) -> None:
    scope = scope_of(staff_user(role=Role.OPERATOR, locality=world.home))
    with django_assert_num_queries(1):
        report = reports.directions_report(scope=scope)
    states = [s.value for s in Direction.State]
    row = dict(zip(["age", *states, "total"], report.rows[0], strict=True))
    # Born 9 Dec 2023, issued 8 Dec 2026: 2 full years (a year difference would say 3).
    assert len(report.rows) == 1
    assert row == {
        "age": 2,
        "benefit_confirmation": 0,
        "awaiting_enrollment": 1,
        "enrolled": 1,
        "declined": 0,
        "expired": 0,
        "revoked": 0,
        "total": 2,
    }


@time_machine.travel(NOW, tick=False)
def test_enrolments_and_departures_per_iso_week(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    scope = scope_of(staff_user(role=Role.OPERATOR, locality=world.home))
    with django_assert_num_queries(1):
        report = reports.weekly_report(scope=scope)
    assert len(report.rows) == 12
    assert report.rows[-1] == ["2026-W50", dt.date(2026, 12, 7), 1, 1]
    assert report.rows[0][:2] == ["2026-W39", dt.date(2026, 9, 21)]
    assert all(row[2:] == [0, 0] for row in report.rows[:-1])
    administrator = scope_of(staff_user(role=Role.ADMINISTRATOR))
    assert reports.weekly_report(scope=administrator).rows[-1] == ["2026-W50", dt.date(2026, 12, 7), 2, 1]


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_every_report_as_svg_and_table_without_style_attributes(world: World) -> None:
    response = operator(world).get("/staff/reports/")
    assert response.status_code == 200
    html = response.content.decode()
    for slug in ("queue", "free-places", "directions", "weekly"):
        assert f'<title id="chart-{slug}-title">' in html
        assert f'id="chart-{slug}-desc"' in html
        assert f'href="/staff/reports/{slug}.csv"' in html
        assert f'href="/staff/reports/{slug}.xlsx"' in html
    assert html.count('<svg class="reports-chart"') == 4
    assert html.count('<table class="table">') == 4
    assert "style=" not in html
    assert "<script" not in html
    assert "Ясли-сад Балапан" in html
    assert "Ясли-сад Айголек" not in html  # another locality's organisation


@time_machine.travel(NOW, tick=False)
def test_csv_download_is_utf8_with_bom(world: World) -> None:
    response = operator(world).get("/staff/reports/free-places.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="kezek-report-free-places-2026-12-09.csv"' in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows == [
        ["Organisation", "Capacity", "Enrolled", "Free places"],
        ["Ясли-сад Балапан", "3", "0", "2"],
    ]
    weekly = list(
        csv.reader(io.StringIO(operator(world).get("/staff/reports/weekly.csv").content.decode()[1:]))
    )
    assert weekly[-1] == ["2026-W50", "2026-12-07", "1", "1"]


def _xlsx(content: bytes) -> tuple[str, list[str], str]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    workbook = archive.read("xl/workbook.xml").decode()
    names = re.findall(r'<sheet name="([^"]+)"', workbook)
    strings = (
        archive.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in archive.namelist() else ""
    )
    return workbook, names, archive.read("xl/worksheets/sheet1.xml").decode() + strings


@time_machine.travel(NOW, tick=False)
def test_xlsx_download_has_the_report_sheet(world: World) -> None:
    response = operator(world).get("/staff/reports/queue.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == reports.XLSX_TYPE
    assert response.content[:2] == b"PK"
    _workbook, names, cells = _xlsx(response.content)
    assert names == ["queue"]
    assert "Birth year" in cells
    assert "general queue" in cells
    assert "<v>2024</v>" in cells
    assert "<v>4</v>" in cells
    free = _xlsx(operator(world).get("/staff/reports/free-places.xlsx").content)
    assert free[1] == ["free-places"]
    assert "Ясли-сад Балапан" in free[2]


@time_machine.travel(NOW, tick=False)
def test_an_unknown_report_or_format_is_404(world: World) -> None:
    client = operator(world)
    assert client.get("/staff/reports/nothing.csv").status_code == 404
    assert client.get("/staff/reports/queue.pdf").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_another_localitys_data_is_never_counted_and_its_id_is_404(world: World) -> None:
    client = operator(world)
    assert client.get(f"/staff/reports/?locality={world.other.pk}").status_code == 404
    assert client.get(f"/staff/reports/queue.csv?locality={world.other.pk}").status_code == 404
    assert client.get("/staff/reports/?locality=nonsense").status_code == 404
    assert client.get(f"/staff/reports/?locality={world.home.pk}").status_code == 200
    queue = client.get("/staff/reports/queue.csv").content.decode()
    assert queue.splitlines()[1:] == ["2023,0,0,1,1", "2024,0,1,3,4"]  # the other locality's two left out


@time_machine.travel(NOW, tick=False)
def test_administrator_narrows_to_one_locality(world: World) -> None:
    client = staff_client(Role.ADMINISTRATOR)
    everything = client.get("/staff/reports/queue.csv").content.decode().splitlines()
    assert everything[1:] == ["2023,0,0,1,1", "2024,0,1,4,5"]
    other = client.get(f"/staff/reports/queue.csv?locality={world.other.pk}").content.decode().splitlines()
    assert other[1:] == ["2024,0,0,1,1"]
    page = client.get(f"/staff/reports/?locality={world.other.pk}").content.decode()
    assert f'href="/staff/reports/queue.csv?locality={world.other.pk}"' in page


@time_machine.travel(NOW, tick=False)
def test_auditor_reads_the_reports(world: World) -> None:
    client = staff_client(Role.AUDITOR, locality=world.home)
    assert client.get("/staff/reports/").status_code == 200
    assert client.get("/staff/reports/directions.xlsx").status_code == 200


@pytest.mark.parametrize("role", [Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF])
def test_kindergarten_roles_are_refused(world: World, role: str) -> None:
    client = staff_client(role, organisation=world.organisation)
    for url in ("/staff/reports/", "/staff/reports/queue.csv", "/staff/reports/weekly.xlsx"):
        assert client.get(url).status_code == 403


def test_not_signed_in_goes_to_the_sign_in_page() -> None:
    response = Client().get("/staff/reports/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_empty_scope_renders_empty_charts() -> None:
    client = staff_client(Role.OPERATOR, locality=LocalityFactory.create())
    response = client.get("/staff/reports/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("No data.") == 4
    assert html.count("<tr>") == 1 + 12  # only the weekly report has rows: its 12 weeks (and its head)
    assert html.count("Nothing to show yet.") == 3
