"""Yearly confirmation API (C1–C4): the public record of each locality's campaigns, and the cabinet's
questionnaire (the same service as the pages: answering extends every application of the applicant in
the locality by one year)."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Path, Router, Schema, Status
from pydantic import Field

from kezek.cabinet.api import cabinet_auth
from kezek.core import clock
from kezek.core.auth import SIGNED_IN_ERRORS
from kezek.core.errors import NotFound
from kezek.core.schemas import ErrorOut
from kezek.facilities import selectors as facilities
from kezek.opendata.schemas import LocalityPath
from kezek.waitlist.models import Applicant

from . import questions, selectors, services
from .models import Campaign, Response

router = Router(tags=["yearly confirmation"])

Ownership = Literal["any", "state", "private"]
Reason = Literal["", "quality", "cost"]


class CampaignOut(Schema):
    id: int
    year: int
    born_in_or_before: int = Field(description="C2: children born this year or earlier must confirm")
    starts_at: dt.datetime
    ends_at: dt.datetime
    state: Literal["scheduled", "running", "closing", "closed"]
    notified: int = Field(description="applicants the launch message was written for")
    answered: int = Field(description="applicants who answered and so extended their applications")
    stop_listed: int = Field(description="applications its end put on the stop-list (cleanup)")


class QuestionnaireOut(Schema):
    campaign: CampaignOut
    answered: bool


class AnswersIn(Schema):
    kindergartens: list[int] = Field(min_length=1, max_length=questions.MAX_KINDERGARTENS)
    ownership: Ownership
    ownership_reason: Reason = ""
    language: Literal["kk", "ru"]
    max_payment: int = Field(description="one of the bands: " + ", ".join(map(str, questions.PAYMENT_BANDS)))
    activities: list[str] = Field(default_factory=list, max_length=len(questions.Activity.values))
    activity_other: str = Field(default="", max_length=questions.ACTIVITY_OTHER_MAX)
    digital: list[str] = Field(default_factory=list, max_length=len(questions.Digital.values))


class ExtendedOut(Schema):
    number: int
    valid_until: dt.date


class AnswersOut(AnswersIn):
    submitted_at: dt.datetime
    applications: list[ExtendedOut]


def _campaign_out(campaign: Campaign, now: dt.datetime, *, answered: dict[int, int]) -> CampaignOut:
    return CampaignOut(
        id=campaign.pk,
        year=campaign.year,
        born_in_or_before=campaign.last_cohort,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        state=campaign.state_at(now),  # type: ignore[arg-type]
        notified=campaign.notified_count,
        answered=answered.get(campaign.pk, 0),
        stop_listed=campaign.stop_listed_count,
    )


@router.get(
    "/open-data/{locality}/confirmations",
    response={200: list[CampaignOut], 404: ErrorOut, 422: ErrorOut},
    summary="C1–C4: the locality's yearly confirmations — dates, state, and how many were notified, "
    "answered and stop-listed",
)
def campaigns(request: HttpRequest, path: Path[LocalityPath]) -> list[CampaignOut]:
    place = facilities.locality_get(code=path.locality)
    now = clock.now()
    found = list(selectors.campaigns_of(locality=place))
    answered = selectors.answer_counts(campaigns=found)
    return [_campaign_out(campaign, now, answered=answered) for campaign in found]


@router.get(
    "/cabinet/questionnaires",
    response={200: list[QuestionnaireOut], 401: ErrorOut},
    auth=cabinet_auth,
    summary="The running yearly confirmations that ask me, and whether I have answered",
)
def my_questionnaires(request: HttpRequest) -> list[QuestionnaireOut]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    now = clock.now()
    found = selectors.applicant_campaigns(applicant=applicant, now=now)
    answered = selectors.answer_counts(campaigns=found)
    return [
        QuestionnaireOut(
            campaign=_campaign_out(campaign, now, answered=answered),
            answered=selectors.response_of(applicant=applicant, campaign=campaign) is not None,
        )
        for campaign in found
    ]


def _answers_out(response: Response, applicant: Applicant) -> AnswersOut:
    locality_id = response.campaign.locality_id
    extended = selectors.extendable_applications(applicant=applicant, locality_id=locality_id)
    return AnswersOut(
        kindergartens=[choice.organisation_id for choice in response.kindergartens.all()],
        ownership=response.ownership,  # type: ignore[arg-type]
        ownership_reason=response.ownership_reason,  # type: ignore[arg-type]
        language=response.language,  # type: ignore[arg-type]
        max_payment=response.max_payment,
        activities=response.activities,
        activity_other=response.activity_other,
        digital=response.digital,
        submitted_at=response.submitted_at,
        applications=[ExtendedOut(number=a.pk, valid_until=a.valid_until) for a in extended],
    )


@router.post(
    "/cabinet/questionnaires/{campaign_id}",
    response={201: AnswersOut, **SIGNED_IN_ERRORS},
    auth=cabinet_auth,
    summary="C3: answer the questionnaire — extends all my applications in the locality by one year",
)
def answer(request: HttpRequest, campaign_id: int, data: AnswersIn) -> Status[AnswersOut]:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    campaign, _answered = selectors.applicant_campaign(applicant=applicant, campaign_id=campaign_id)
    response = services.questionnaire_submit(
        campaign=campaign,
        applicant=applicant,
        answers=services.Answers(**data.dict()),  # lists become tuples in answers_checked
    )
    return Status(201, _answers_out(response, applicant))


@router.get(
    "/cabinet/questionnaires/{campaign_id}",
    response={200: AnswersOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=cabinet_auth,
    summary="My answers and the new validity dates of my applications",
)
def my_answers(request: HttpRequest, campaign_id: int) -> AnswersOut:
    applicant: Applicant = request.auth  # type: ignore[attr-defined]
    _campaign, response = selectors.applicant_campaign(applicant=applicant, campaign_id=campaign_id)
    if response is None:
        raise NotFound(_("You have not answered this questionnaire."))
    return _answers_out(response, applicant)
