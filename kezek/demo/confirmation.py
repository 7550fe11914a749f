"""The demo's yearly confirmation (C1–C5): a campaign running in the first demo locality, launched by the
demo operator through the real services, with answers from a sample of the affected applicants, so the
home banner, the cabinet's questionnaire and the department's analytics all show something at once."""

import random

from django.contrib.auth.models import User

from kezek.confirmation import questions, selectors
from kezek.confirmation.models import Campaign, Response, ResponseKindergarten
from kezek.confirmation.services import Answers, campaign_launch, questionnaire_submit
from kezek.facilities.models import Locality, Organisation
from kezek.waitlist.models import Applicant, Application

from . import catalogue as cat

DEMO_ANSWERS = 60  # applicants who have answered already (each answer is a real, ledgered submission)


def demo_confirmation_delete() -> None:
    """Remove the demo localities' campaigns and answers (before their applicants and staff go)."""
    campaigns = Campaign.objects.filter(locality__region__code__in=cat.DEMO_REGION_CODES)
    ResponseKindergarten.objects.filter(response__campaign__in=campaigns).delete()
    Response.objects.filter(campaign__in=campaigns).delete()
    campaigns.delete()


def demo_confirmation_load(*, seed: int) -> int:
    """Launch the demo campaign and submit `DEMO_ANSWERS` answers; returns how many were submitted."""
    operator = User.objects.filter(username="demo-operator").first()
    locality = Locality.objects.filter(region__code__in=cat.DEMO_REGION_CODES).order_by("pk").first()
    if operator is None or locality is None or not Application.objects.filter(locality=locality).exists():
        return 0  # no queue, no campaign (and no ledger event)
    kindergartens = list(
        Organisation.objects.filter(locality=locality, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not kindergartens:
        return 0
    campaign = campaign_launch(locality=locality, by_staff=operator)
    rng = random.Random(seed)
    # Applicants with nothing on the stop-list: an answer changes only validity dates then (the demo's data
    # stays the same for the same seed whatever the clock says).
    applicants = list(
        selectors.affected_applications(campaign=campaign)
        .exclude(applicant__applications__status=Application.Status.STOP_LISTED)
        .order_by("applicant_id")
        .values_list("applicant_id", flat=True)
        .distinct()[: DEMO_ANSWERS * 3]
    )
    chosen = rng.sample(applicants, min(DEMO_ANSWERS, len(applicants)))
    popular = kindergartens[: max(3, len(kindergartens) // 4)]  # demand gathers on a few, as in life
    for applicant_id in sorted(chosen):
        picks = rng.sample(
            popular if rng.random() < 0.7 else kindergartens, min(rng.randint(1, 3), len(kindergartens))
        )
        ownership = rng.choices(questions.Ownership.values, weights=(5, 4, 1))[0]
        answers = Answers(
            kindergartens=tuple(picks),
            ownership=ownership,
            ownership_reason="" if ownership == "any" else rng.choice(questions.OwnershipReason.values),
            language=rng.choices(questions.Language.values, weights=(6, 4))[0],
            max_payment=rng.choice(questions.PAYMENT_BANDS[:8]),
            activities=tuple(rng.sample(questions.Activity.values, rng.randint(0, 3))),
            digital=tuple(rng.sample(questions.Digital.values, rng.randint(1, 4))),
        )
        questionnaire_submit(
            campaign=campaign, applicant=Applicant.objects.get(pk=applicant_id), answers=answers
        )
    return len(chosen)
