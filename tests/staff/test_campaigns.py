"""The department's confirmation campaigns (#7): launching one (confirmation step, dates, refusals, one open
per locality), who may see and launch, the list and the detail in each state, the analytics page (map,
distributions, trends: counts only, nothing fetched from outside) and its CSV downloads."""

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from kezek.confirmation import services
from kezek.confirmation.models import Campaign
from kezek.facilities.models import Locality
from kezek.ledger.models import LedgerEvent
from kezek.staff.models import Role
from tests.confirmation.conftest import ALMATY, LAUNCH, child_application
from tests.confirmation.test_analytics import RUNNING, AnsweredWorld, answered_world
from tests.factories import LocalityFactory, OrganisationFactory, staff_login, staff_user

from .conftest import staff_client

if TYPE_CHECKING:  # django-stubs' type of the test client's responses; not there at run time
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LIST = reverse("staff:campaigns")
LAUNCH_URL = reverse("staff:campaign_launch")


def detail(campaign: Campaign) -> str:
    return reverse("staff:campaign", args=[campaign.pk])


def export(campaign: Campaign, table: str) -> str:
    return reverse("staff:campaign_export", args=[campaign.pk, table])


@pytest.fixture
def at_launch() -> Iterator[None]:
    with time_machine.travel(LAUNCH, tick=False):
        yield


def launch(client: Client, **data: str) -> "Response":
    return client.post(LAUNCH_URL, data)


# --- launching -------------------------------------------------------------------------------------------


def test_launch_asks_for_confirmation_then_launches(locality: Locality) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY), tick=False):
        child_application(locality, born=dt.date(2023, 5, 1))
        child_application(locality, born=dt.date(2025, 1, 1))  # too young: not asked
    with time_machine.travel(LAUNCH, tick=False):
        operator = staff_user(role=Role.OPERATOR, locality=locality)
        client = staff_login(Client(), operator)
        page = client.get(LAUNCH_URL)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'value="2026-10-01"' in html  # the first day: today
        assert "goes to the stop-list" in html

        first = launch(client, starts_on="2026-10-01", ends_on="")
        assert first.status_code == 200
        assert first.templates[0].name == "staff/campaigns/confirm.html"
        assert first.context["audience"].applicants == 1
        assert first.context["audience"].last_cohort == 2024
        assert 'name="confirmed" value="1"' in first.content.decode()
        assert not Campaign.objects.exists()

        changed = client.post(LAUNCH_URL, {"starts_on": "2026-10-01", "confirmed": "1", "change": "1"})
        assert changed.status_code == 200
        assert changed.templates[0].name == "staff/campaigns/launch.html"
        assert not Campaign.objects.exists()

        done = launch(client, starts_on="2026-10-01", ends_on="", confirmed="1")
    campaign = Campaign.objects.get()
    assert done.status_code == 302
    assert done["Location"] == detail(campaign)
    assert campaign.locality == locality
    assert campaign.launched_by == operator
    assert campaign.starts_at == LAUNCH
    assert campaign.ends_at == dt.datetime(2026, 11, 1, 9, 0, tzinfo=ALMATY)  # one month: the default
    assert LedgerEvent.objects.filter(kind="campaign.launched", subject_id=str(campaign.pk)).exists()


def test_launch_with_chosen_days(locality: Locality, at_launch: None) -> None:
    client = staff_client(Role.DEPARTMENT_HEAD, locality=locality)
    response = launch(client, starts_on="2026-10-05", ends_on="2026-10-31", confirmed="1")
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.starts_at == dt.datetime(2026, 10, 5, 0, 0, tzinfo=ALMATY)
    assert campaign.ends_at == dt.datetime(2026, 11, 1, 0, 0, tzinfo=ALMATY)  # the whole last day
    assert campaign.state_at(LAUNCH) == Campaign.State.SCHEDULED


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "message"),
    [
        ("2026-09-30", "", "The first day cannot be in the past."),
        ("2026-10-01", "2026-10-03", "A campaign lasts at least 7 days."),
        ("2026-10-01", "2026-09-20", "A campaign lasts at least 7 days."),
        ("2026-10-01", "2027-02-01", "A campaign lasts at most 92 days."),
        ("1 October", "", "Enter a valid date."),
    ],
)
def test_launch_refuses_bad_days(
    locality: Locality, at_launch: None, starts_on: str, ends_on: str, message: str
) -> None:
    client = staff_client(Role.OPERATOR, locality=locality)
    response = launch(client, starts_on=starts_on, ends_on=ends_on, confirmed="1")
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_second_open_campaign_is_refused(locality: Locality, at_launch: None) -> None:
    client = staff_client(Role.OPERATOR, locality=locality)
    assert launch(client, starts_on="2026-10-01", confirmed="1").status_code == 302
    again = launch(client, starts_on="2026-10-20", confirmed="1")
    assert again.status_code == 409
    assert "This locality&#x27;s previous campaign is not closed yet." in again.content.decode()
    assert Campaign.objects.count() == 1
    first_step = launch(client, starts_on="2026-10-20")  # said at once, before the confirmation step
    assert first_step.status_code == 409
    assert "previous campaign is not closed yet" in first_step.content.decode()


def test_an_administrator_chooses_the_locality(at_launch: None) -> None:
    localities = LocalityFactory.create_batch(2)
    client = staff_client(Role.ADMINISTRATOR)
    missing = launch(client, starts_on="2026-10-01", confirmed="1")
    assert missing.status_code == 422
    assert not Campaign.objects.exists()
    done = launch(client, locality=str(localities[1].pk), starts_on="2026-10-01", confirmed="1")
    assert done.status_code == 302
    assert Campaign.objects.get().locality == localities[1]


# --- who may see what ----------------------------------------------------------------------------------


def test_roles(locality: Locality, at_launch: None) -> None:
    campaign = services.campaign_launch(locality=locality, by_staff=staff_user(locality=locality))
    pages = [LIST, LAUNCH_URL, detail(campaign), export(campaign, "load")]
    organisation_head = staff_client(
        Role.KINDERGARTEN_HEAD, organisation=OrganisationFactory.create(locality=locality)
    )
    for page in pages:
        assert organisation_head.get(page).status_code == 403, page
    assert organisation_head.post(LAUNCH_URL, {"starts_on": "2026-10-01"}).status_code == 403

    auditor = staff_client(Role.AUDITOR, locality=locality)
    listing = auditor.get(LIST)
    assert listing.status_code == 200
    assert LAUNCH_URL not in listing.content.decode()
    assert detail(campaign) in listing.content.decode()
    assert auditor.get(detail(campaign)).status_code == 200
    assert auditor.get(LAUNCH_URL).status_code == 403
    assert auditor.post(LAUNCH_URL, {"starts_on": "2026-10-20", "confirmed": "1"}).status_code == 403

    operator = staff_client(Role.OPERATOR, locality=locality)
    assert LAUNCH_URL in operator.get(LIST).content.decode()
    assert LIST in operator.get(reverse("staff:home")).content.decode()  # in the menu
    assert LIST not in organisation_head.get(reverse("staff:home")).content.decode()


def test_another_locality_sees_nothing_of_it(locality: Locality, at_launch: None) -> None:
    campaign = services.campaign_launch(locality=locality, by_staff=staff_user(locality=locality))
    other = LocalityFactory.create()
    services.campaign_launch(locality=other, by_staff=staff_user(locality=other))
    elsewhere = staff_client(Role.OPERATOR, locality=other)
    assert elsewhere.get(detail(campaign)).status_code == 404
    assert elsewhere.get(export(campaign, "load")).status_code == 404
    listing = elsewhere.get(LIST)
    assert listing.status_code == 200
    assert len(listing.context["rows"]) == 1
    assert detail(campaign) not in listing.content.decode()
    assert staff_client(Role.OPERATOR, locality=locality).get(export(campaign, "nonsense")).status_code == 404


def test_an_operator_extends_a_running_campaign(locality: Locality, at_launch: None) -> None:
    campaign = services.campaign_launch(locality=locality, by_staff=staff_user(locality=locality))
    url = reverse("staff:campaign_extend", args=[campaign.pk])
    operator = staff_client(Role.OPERATOR, locality=locality)
    assert url in operator.get(detail(campaign)).content.decode()
    auditor = staff_client(Role.AUDITOR, locality=locality)
    assert url not in auditor.get(detail(campaign)).content.decode()
    assert auditor.post(url, {"ends_on": "2026-11-20"}).status_code == 403
    assert staff_client(Role.OPERATOR, locality=LocalityFactory.create()).get(url).status_code == 404

    assert operator.get(url).status_code == 200
    assert operator.post(url, {"ends_on": "nonsense"}).status_code == 422
    earlier = operator.post(url, {"ends_on": "2026-10-20"})  # it ends on 1 November: never earlier
    assert earlier.status_code == 422
    assert "never brought forward" in earlier.content.decode()
    assert operator.post(url, {"ends_on": "2027-01-15"}).status_code == 422  # over 92 days
    done = operator.post(url, {"ends_on": "2026-11-20"})
    assert done.status_code == 302
    assert done["Location"] == detail(campaign)
    assert Campaign.objects.get().ends_at == dt.datetime(2026, 11, 21, 0, 0, tzinfo=ALMATY)
    assert LedgerEvent.objects.filter(kind="campaign.extended", subject_id=str(campaign.pk)).count() == 1


# --- states --------------------------------------------------------------------------------------------


def test_list_and_detail_in_each_state(locality: Locality) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY), tick=False):
        child_application(locality, born=dt.date(2023, 5, 1))
    operator = staff_user(role=Role.OPERATOR, locality=locality)
    with time_machine.travel(LAUNCH, tick=False):
        campaign = services.campaign_launch(
            locality=locality,
            by_staff=staff_user(locality=locality),
            starts_at=dt.datetime(2026, 10, 5, tzinfo=ALMATY),
        )
    moments = [
        (LAUNCH, "scheduled", None),
        (dt.datetime(2026, 10, 10, 9, 0, tzinfo=ALMATY), "running", 1),
        (dt.datetime(2026, 11, 6, 9, 0, tzinfo=ALMATY), "ended, stop-listing in progress", 1),
    ]
    for moment, label, unconfirmed in moments:
        with time_machine.travel(moment, tick=False):
            if label == "running":
                services.campaign_notify(campaign=campaign)
            client = staff_login(Client(), operator)  # a new session: the sign-in expires over weeks
            listing = client.get(LIST)
            page = client.get(detail(campaign))
        assert listing.status_code == 200
        assert page.status_code == 200
        assert label in listing.content.decode()
        assert f'<dd id="campaign-state">{label}</dd>' in page.content.decode()
        assert page.context["row"].unconfirmed == unconfirmed
        assert listing.context["rows"][0].unconfirmed == unconfirmed
    with time_machine.travel(dt.datetime(2026, 11, 6, 9, 0, tzinfo=ALMATY), tick=False):
        services.campaign_sweep(campaign=campaign)
        client = staff_login(Client(), operator)
        listing = client.get(LIST)
        page = client.get(detail(campaign))
    html = page.content.decode()
    assert '<dd id="campaign-state">closed</dd>' in html
    assert '<dd id="campaign-notified">1</dd>' in html
    assert '<dd id="campaign-stop-listed">1</dd>' in html
    assert "campaign-unconfirmed" not in html
    assert "closed" in listing.content.decode()


# --- analytics -----------------------------------------------------------------------------------------


@pytest.fixture
def answered() -> AnsweredWorld:
    return answered_world()


def _map(html: str) -> str:
    found = re.search(r'<svg class="reports-chart campaign-map".*?</svg>', html, re.DOTALL)
    assert found, "no map on the page"
    return found.group(0)


def test_analytics_page(answered: AnsweredWorld) -> None:
    with time_machine.travel(RUNNING, tick=False):
        client = staff_client(Role.OPERATOR, locality=answered.locality)
        response = client.get(detail(answered.campaign))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<dd id="campaign-answered">4</dd>' in html
    assert '<dd id="campaign-unconfirmed">1</dd>' in html

    rows = response.context["load_report"].rows
    assert rows[0][1:] == [1, 1, 0, None, 2, None, True]  # C: chosen once, no place
    assert rows[1][1:] == [4, 2, 2, Decimal("2.00"), 3, Decimal("1.50"), True]  # B
    assert [row[0] for row in rows] == [answered.c.name, answered.b.name, answered.a.name, answered.e.name]

    drawn = _map(html)
    on_map = [row for row in response.context["load"].kindergartens if row.on_map]
    assert len(on_map) == 3
    assert drawn.count("<circle") == len(on_map)  # one per kindergarten with coordinates
    assert drawn.count('class="campaign-district"') == 16  # the 4 × 4 districts
    assert 'fill="#fee2e2"' in drawn  # B's district is overloaded
    assert "1 kindergarten has no coordinates" in html

    # Distributions with translated labels, numbers and shares; the trends of both campaigns.
    assert "Kazakh" in html
    assert "up to 25\u00a0000 ₸" in html
    assert "75.0" in html
    assert len(response.context["distributions"]) == 6
    assert len(response.context["trends_report"].rows) == 2

    # Nothing fetched from outside: no external source anywhere, no URL in the charts but the SVG namespace.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<img" not in html
    assert "<script" not in html
    assert ' style="' not in html
    for svg in re.findall(r"<svg.*?</svg>", html, re.DOTALL):
        assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")

    # Counts only: no applicant's or child's IIN, name or phone.
    for application in answered.applications:
        for secret in (
            application.applicant.iin,
            application.child.iin,
            application.applicant.phone,
            f"{application.applicant.last_name} {application.applicant.first_name}",
            f"{application.child.last_name} {application.child.first_name}",
        ):
            assert secret
            assert secret not in html


def _csv(response: "Response") -> list[list[str]]:
    content = response.content.decode()
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def test_csv_downloads(answered: AnsweredWorld) -> None:
    campaign = answered.campaign
    with time_machine.travel(RUNNING, tick=False):
        client = staff_client(Role.DEPARTMENT_HEAD, locality=answered.locality)
        load = client.get(export(campaign, "load"))
        answers = client.get(export(campaign, "answers"))
        trends = client.get(export(campaign, "trends"))
    assert load.status_code == 200
    assert load["Content-Type"].startswith("text/csv")
    assert f"kezek-report-campaign-{campaign.pk}-load-2026-10-15.csv" in load["Content-Disposition"]
    table = _csv(load)
    assert table[0] == [
        "Kindergarten",
        "Chosen",
        "As first choice",
        "Capacity",
        "Chosen per place",
        "Expected demand from the queue",
        "Expected per place",
        "Overloaded",
    ]
    assert table[1:] == [
        [answered.c.name, "1", "1", "0", "", "2", "", "yes"],
        [answered.b.name, "4", "2", "2", "2.00", "3", "1.50", "yes"],
        [answered.a.name, "3", "1", "10", "0.30", "2", "0.20", "no"],
        [answered.e.name, "0", "0", "5", "0.00", "0", "0.00", "no"],
    ]

    rows = _csv(answers)
    assert rows[0] == ["Question", "Answer", "Applicants", "Share, %"]
    assert ["Language of education (question 3)", "Kazakh", "3", "75.0"] in rows
    assert ["Form of ownership (question 2)", "state", "2", "50.0"] in rows
    assert ["Why state or private (question 2)", "private: cost", "0", "0.0"] in rows
    assert ["Extra activities (question 5)", "other (written in)", "1", "25.0"] in rows
    assert ["Digital services (question 6)", "attendance sheets", "2", "50.0"] in rows
    assert len(rows) == 1 + 3 + 4 + 2 + 12 + 13 + 12
    assert "домбыра" not in answers.content.decode()  # the written-in text is not exported

    lines = _csv(trends)
    assert lines[0][0] == "Campaign"
    assert lines[1] == ["2025 (01.10)", "2", "1", "50.0", "1", "0.0", "100.0", "0.0", "100.0", "70000"]
    assert lines[2] == ["2026 (01.10)", "5", "4", "80.0", "0", "50.0", "25.0", "75.0", "25.0", "25000"]
