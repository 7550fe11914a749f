"""The yearly confirmation's JSON API: the public record of campaigns and the cabinet's questionnaire."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kezek.confirmation import services
from kezek.confirmation.models import Campaign, Response
from kezek.facilities.models import Locality, Organisation
from kezek.waitlist.models import Application
from tests.cabinet.test_api import post, sign_in

from .conftest import ALMATY, LAUNCH, child_application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_resend(settings: Any) -> None:
    settings.OTP_RESEND_INTERVAL_SECONDS = 0


def body(chosen: list[Organisation], **changes: object) -> dict[str, object]:
    return {
        "kindergartens": [k.pk for k in chosen[:3]],
        "ownership": "private",
        "ownership_reason": "quality",
        "language": "ru",
        "max_payment": 50_000,
        "activities": ["chess"],
        "activity_other": "",
        "digital": ["meals"],
        **changes,
    }


def test_questionnaire_through_the_api(
    locality: Locality, kindergartens: list[Organisation], operator: User
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY), tick=False):
        application = child_application(locality, born=dt.date(2023, 1, 10))
        young = child_application(locality, born=dt.date(2025, 2, 1))
    with time_machine.travel(LAUNCH + dt.timedelta(days=3), tick=False):
        campaign = services.campaign_launch(locality=locality, by_staff=operator)
    with time_machine.travel(LAUNCH + dt.timedelta(days=4), tick=False):
        client = Client()
        assert client.get("/api/v1/cabinet/questionnaires").status_code == 401
        assert sign_in(client, application) == 200
        (mine,) = client.get("/api/v1/cabinet/questionnaires").json()
        assert mine["answered"] is False
        assert mine["campaign"]["state"] == "running"
        assert mine["campaign"]["born_in_or_before"] == 2024
        path = f"/cabinet/questionnaires/{campaign.pk}"  # `post` adds /api/v1
        url = f"/api/v1{path}"
        assert client.get(url).status_code == 404  # not answered yet
        assert post(client, path, body(kindergartens, max_payment=12_000)).status_code == 422
        assert post(client, path, body(kindergartens, kindergartens=[])).status_code == 422
        assert post(client, path, body(kindergartens, language="en")).status_code == 422
        answered = post(client, path, body(kindergartens))
        assert answered.status_code == 201, answered.content
        valid_until = Application.objects.get(pk=application.pk).valid_until
        assert answered.json()["applications"] == [
            {"number": application.pk, "valid_until": str(valid_until)}
        ]
        assert post(client, path, body(kindergartens)).status_code == 409
        assert client.get(url).json()["kindergartens"] == [k.pk for k in kindergartens]

        other = Client()
        assert sign_in(other, young) == 200
        assert other.get("/api/v1/cabinet/questionnaires").json() == []
        assert post(other, path, body(kindergartens)).status_code == 404
        assert other.get(url).status_code == 404

        public = Client().get(f"/api/v1/open-data/{locality.code}/confirmations").json()
        assert [(c["id"], c["state"], c["answered"]) for c in public] == [(campaign.pk, "running", 1)]
        assert "iin" not in str(public).lower()


def test_the_public_record_counts_answers_in_one_query_whatever_the_number_of_campaigns(
    locality: Locality, operator: User
) -> None:
    """The open-data list reads each campaign's answer count in one query, not one per campaign."""
    applicants = [child_application(locality, born=dt.date(2022, 5, 1)).applicant for _ in range(3)]
    url = f"/api/v1/open-data/{locality.code}/confirmations"

    def closed_campaign(year: int, answers: int) -> None:
        start = dt.datetime(year, 10, 1, 9, 0, tzinfo=ALMATY)
        end = start + dt.timedelta(days=30)
        campaign = Campaign.objects.create(
            locality=locality, year=year, starts_at=start, ends_at=end, launched_at=start,
            launched_by=operator, notified_at=start, swept_at=end,
        )  # fmt: skip
        for applicant in applicants[:answers]:
            Response.objects.create(
                campaign=campaign, applicant=applicant, submitted_at=start, ownership="any", language="kk",
                max_payment=25_000,
            )  # fmt: skip

    closed_campaign(2023, answers=1)
    with CaptureQueriesContext(connection) as one:
        assert Client().get(url).status_code == 200
    closed_campaign(2024, answers=3)
    closed_campaign(2025, answers=0)
    with CaptureQueriesContext(connection) as three:
        found = Client().get(url).json()
    assert [(c["year"], c["answered"], c["state"]) for c in found] == [
        (2025, 0, "closed"),
        (2024, 3, "closed"),
        (2023, 1, "closed"),
    ]
    assert len(three.captured_queries) == len(one.captured_queries)
