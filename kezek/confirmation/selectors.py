"""Reading the yearly confirmation: campaigns, who must confirm (C2), the answers."""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import NotFound
from kezek.facilities.models import Locality
from kezek.waitlist.models import Applicant, Application

from .models import MIN_AGE_YEARS, Campaign, Response

if TYPE_CHECKING:  # only a type here: the queue's reads may come to read the campaigns too
    from kezek.waitlist.selectors import CheckResult

Status = Application.Status
# What the applicant's answers extend (C3): every application of theirs in the locality that is still alive.
EXTENDABLE = Application.LIVE_STATUSES


def campaign_current(*, locality: Locality | int, now: dt.datetime | None = None) -> Campaign | None:
    """The locality's running campaign (C1), read from the clock: None before its start and after its end."""
    now = now or clock.now()
    return (
        Campaign.objects.filter(locality=locality, starts_at__lte=now, ends_at__gt=now)
        .select_related("locality")
        .first()
    )


def affected_applications(*, campaign: Campaign) -> QuerySet[Application]:
    """The applications the campaign asks to confirm (C2): queued when it started and still queued,
    children born in `year - 2` or earlier. Applications registered during the campaign are a year old
    at most and are not asked."""
    return Application.objects.filter(
        locality_id=campaign.locality_id,
        cohort__lte=campaign.last_cohort,
        status=Status.QUEUED,
        registered_at__lt=campaign.starts_at,
    )


def unconfirmed_applications(*, campaign: Campaign) -> QuerySet[Application]:
    """Affected applications whose applicant has not answered: what the end-of-campaign sweep stop-lists."""
    answered = Response.objects.filter(campaign=campaign, applicant_id=OuterRef("applicant_id"))
    return affected_applications(campaign=campaign).filter(~Exists(answered))


def applicant_must_confirm(*, applicant: Applicant, campaign: Campaign) -> bool:
    """Whether the applicant has an application the campaign asks about and has not answered yet."""
    return unconfirmed_applications(campaign=campaign).filter(applicant=applicant).exists()


def _asked(campaign: Campaign) -> Q:
    """Applications of the campaign's ages registered before it, alive (the questionnaire's audience)."""
    return Q(
        locality_id=campaign.locality_id,
        cohort__lte=campaign.last_cohort,
        status__in=EXTENDABLE,
        registered_at__lt=campaign.starts_at,
    )


def applicant_asked(*, applicant: Applicant, campaign: Campaign) -> bool:
    """Whether the campaign asks this applicant (C2): may answer, and sees the notice while it runs."""
    return applicant.applications.filter(_asked(campaign)).exists()


def applicant_campaigns(*, applicant: Applicant, now: dt.datetime | None = None) -> list[Campaign]:
    """Running campaigns that ask this applicant (what the cabinet's notice and questionnaire offer)."""
    now = now or clock.now()
    running = Campaign.objects.filter(starts_at__lte=now, ends_at__gt=now).select_related("locality")
    return [campaign for campaign in running if applicant_asked(applicant=applicant, campaign=campaign)]


def response_of(*, applicant: Applicant, campaign: Campaign) -> Response | None:
    return (
        Response.objects.filter(campaign=campaign, applicant=applicant)
        .prefetch_related("kindergartens__organisation")
        .first()
    )


def extendable_applications(*, applicant: Applicant, locality_id: int) -> QuerySet[Application]:
    return Application.objects.filter(
        applicant=applicant, locality_id=locality_id, status__in=EXTENDABLE
    ).order_by("pk")


def campaign_overdue(*, now: dt.datetime | None = None) -> QuerySet[Campaign]:
    """Campaigns whose end has come and whose sweep has not finished (what `tick` has still to do)."""
    return Campaign.objects.filter(swept_at__isnull=True, ends_at__lte=now or clock.now())


def swept_in_effect(*, now: dt.datetime) -> Q:
    """C6: the applications an ended campaign's sweep will stop-list (C4) but has not yet — queued, of its
    ages (C2), registered before it started, applicant has not answered — as a condition on Application.
    Reads and eligibility treat them as stop-listed; one index probe per application (the open campaign of
    its locality is unique)."""
    answered = Response.objects.filter(
        campaign=OuterRef("pk"), applicant_id=OuterRef(OuterRef("applicant_id"))
    )
    ended = Campaign.objects.filter(
        locality_id=OuterRef("locality_id"),
        swept_at__isnull=True,
        ends_at__lte=now,
        starts_at__gt=OuterRef("registered_at"),
        year__gte=OuterRef("cohort") + MIN_AGE_YEARS,
    ).filter(~Exists(answered))
    return Q(Exists(ended), status=Status.QUEUED)


def campaign_unnotified(*, now: dt.datetime | None = None) -> QuerySet[Campaign]:
    """Started campaigns whose launch message has not gone to every affected applicant yet."""
    return Campaign.objects.filter(notified_at__isnull=True, starts_at__lte=now or clock.now())


def campaigns_of(*, locality: Locality | int) -> QuerySet[Campaign]:
    return Campaign.objects.filter(locality=locality).order_by("-starts_at")


def answer_counts(*, campaigns: list[Campaign]) -> dict[int, int]:
    """{campaign id: answers received} in one query (campaigns without answers are left out)."""
    counts = (
        Response.objects.filter(campaign__in=campaigns)
        .values("campaign_id")
        .annotate(answers=Count("id"))
        .values_list("campaign_id", "answers")
    )
    return dict(counts)


def applicant_campaign(*, applicant: Applicant, campaign_id: int) -> tuple[Campaign, Response | None]:
    """The campaign and the applicant's answers (None: not answered); NotFound unless the campaign asks
    this applicant or they answered it (another family's or locality's campaign looks missing)."""
    campaign = Campaign.objects.select_related("locality").filter(pk=campaign_id).first()
    response = response_of(applicant=applicant, campaign=campaign) if campaign is not None else None
    if campaign is None or (response is None and not applicant_asked(applicant=applicant, campaign=campaign)):
        raise NotFound(_("There is no such questionnaire in your personal cabinet."))
    return campaign, response


def applicant_notices(*, applicant: Applicant) -> list[tuple[Campaign, Response | None]]:
    """The running campaigns that ask the applicant, each with their answers (None: not answered yet)."""
    return [
        (campaign, response_of(applicant=applicant, campaign=campaign))
        for campaign in applicant_campaigns(applicant=applicant)
    ]


@dataclass(frozen=True)
class Validity:
    """An application's validity as its parent reads it (C1–C3): the date while it runs. Once it has
    passed, a queued application shows what to do instead of a stale date: confirm by the end of the
    locality's running campaign that asks it (`campaign`), or — no such campaign — nothing yet."""

    valid_until: dt.date
    lapsed: bool
    campaign: Campaign | None = None


def validity(*, result: "CheckResult", now: dt.datetime | None = None) -> Validity:
    """The validity of an application as the queue's reads give it (status as it is now), from the
    clock: the campaign is the one running now (C1), whether or not `tick` has notified or swept."""
    now = now or clock.now()
    lapsed = result.status == Status.QUEUED and result.valid_until < now.astimezone(clock.local_tz()).date()
    if not lapsed:
        return Validity(result.valid_until, lapsed=False)
    running = Campaign.objects.filter(locality__code=result.locality, starts_at__lte=now, ends_at__gt=now)
    campaign = next(
        (c for c in running if result.cohort <= c.last_cohort and result.registered_at < c.starts_at), None
    )
    return Validity(result.valid_until, lapsed=True, campaign=campaign)
