"""Writing the yearly confirmation (C1–C4): launch, the launch message fan-out, the applicant's answers,
the end-of-campaign sweep. Every step is a ledger event in the same transaction as the change.

The fan-out and the sweep are batched (one transaction per batch) and resumable: a run killed half-way
leaves whole batches done, and the next run goes on from what is left, doing nothing twice (the fan-out
keeps its cursor on the campaign row; the sweep takes only applications that are still queued).
"""

import calendar
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kezek.core import clock
from kezek.core.errors import Conflict, NotFound, ValidationFailed
from kezek.facilities.models import Locality, Organisation
from kezek.ledger.services import ledger_append
from kezek.notifications.services import BulkMessage, notifications_enqueue_many
from kezek.waitlist.models import Applicant, Application, CohortCounter
from kezek.waitlist.services import (
    applicant_applications_extend,
    applications_cleanup_stop_list,
    contact_address,
)

from . import questions, selectors
from .locks import campaign_lock
from .models import Campaign, Response, ResponseKindergarten

MIN_DAYS = 7  # parents need time to answer
MAX_DAYS = 92  # a quarter at most
NOTIFY_BATCH = 20_000  # applicants per fan-out transaction
SWEEP_BATCH = 5_000  # applications per sweep transaction
Status = Application.Status


def _month_after(moment: dt.datetime) -> dt.datetime:
    """The same local time one calendar month later (31 January → 28/29 February)."""
    local = timezone.localtime(moment)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def _event(kind: str, campaign: Campaign, **payload: object) -> None:
    ledger_append(
        kind=kind,
        subject_type="campaign",
        subject_id=str(campaign.pk),
        locality_code=campaign.locality.code,
        payload={"campaign": campaign.pk, "year": campaign.year, **payload},
    )


def campaign_launch(
    *,
    locality: Locality,
    by_staff: User,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
) -> Campaign:
    """Launch the locality's yearly confirmation (C1): from `starts_at` (default now) to `ends_at` (default
    one month later). At most one campaign per locality is open until its sweep is done (a database
    constraint); the launch message goes out when the campaign starts (`campaigns_due`)."""
    now = clock.now()
    starts_at = max(starts_at or now, now)
    ends_at = ends_at or _month_after(starts_at)
    _length_checked(starts_at=starts_at, ends_at=ends_at)
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                locality=locality,
                year=timezone.localtime(starts_at).year,
                starts_at=starts_at,
                ends_at=ends_at,
                launched_at=now,
                launched_by=by_staff,
            )
            _event(
                "campaign.launched",
                campaign,
                starts_at=starts_at,
                ends_at=ends_at,
                last_cohort=campaign.last_cohort,
                staff=by_staff.pk,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("This locality's previous campaign is not closed yet."), code="campaign_open"
        ) from exc
    return campaign


def _length_checked(*, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """ValidationFailed unless a campaign from `starts_at` to `ends_at` lasts MIN_DAYS to MAX_DAYS."""
    if ends_at - starts_at < dt.timedelta(days=MIN_DAYS):
        raise ValidationFailed(
            _("A campaign lasts at least %(days)s days.") % {"days": MIN_DAYS}, code="ends_at"
        )
    if ends_at - starts_at > dt.timedelta(days=MAX_DAYS):
        raise ValidationFailed(
            _("A campaign lasts at most %(days)s days.") % {"days": MAX_DAYS}, code="ends_at"
        )


def campaign_extend(*, campaign: Campaign, ends_at: dt.datetime, by_staff: User) -> Campaign:
    """Move the campaign's end later (C1), before it ends: parents get more time, never less, and at most
    `MAX_DAYS` from the start in all. A public ledger event records it. No new message goes out: the
    banner, the cabinet's notice and the questionnaire show the new end, and nobody loses by a later one.
    The sweep re-reads the end under the campaign's lock before each batch, so an extension that commits
    as the old end passes stops it."""
    with transaction.atomic():
        campaign = campaign_lock(campaign.pk, no_key=True)
        if campaign.ended_at(clock.now()):
            raise Conflict(_("The campaign has ended: its end can no longer change."), code="campaign_ended")
        if ends_at <= campaign.ends_at:
            raise ValidationFailed(
                _("The new end must be later than the current one: an end is never brought forward."),
                code="ends_at",
            )
        _length_checked(starts_at=campaign.starts_at, ends_at=ends_at)
        previous = campaign.ends_at
        campaign.ends_at = ends_at
        campaign.save(update_fields=["ends_at"])
        _event("campaign.extended", campaign, ends_at=ends_at, previous_ends_at=previous, staff=by_staff.pk)
    return campaign


def campaign_notify(
    *, campaign: Campaign, batch_size: int = NOTIFY_BATCH, max_batches: int | None = None
) -> int:
    """Write the launch message (SMS or email, in the applicant's language) to every applicant with an
    affected application, one per applicant, `batch_size` applicants per transaction. Returns how many
    messages this run wrote; the outbox sweep of `tick` sends them."""
    written = batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        with transaction.atomic():
            campaign = campaign_lock(campaign.pk)
            if campaign.notified_at is not None:
                break
            batch = list(
                selectors.affected_applications(campaign=campaign)
                .filter(applicant_id__gt=campaign.notified_through)
                .order_by("applicant_id")
                .values_list(
                    "applicant_id",
                    "applicant__notify_channel",
                    "applicant__email",
                    "applicant__phone",
                    "applicant__notify_language",
                )
                .distinct()[:batch_size]
            )
            messages = [
                BulkMessage(
                    *contact_address(channel=channel, email=email, phone=phone),
                    language=language,
                    idempotency_key=f"campaign:{campaign.pk}:launch:{applicant_id}",
                )
                for applicant_id, channel, email, phone, language in batch
            ]
            written += notifications_enqueue_many(
                template="campaign_launched",
                context={"locality": campaign.locality.name_lazy, "until": campaign.ends_at},
                varying=frozenset(),
                messages=messages,
            )
            campaign.notified_count += len(messages)
            if batch:
                campaign.notified_through = batch[-1][0]
            if len(batch) < batch_size:
                campaign.notified_at = clock.now()
                _event("campaign.notified", campaign, applicants=campaign.notified_count)
            campaign.save(update_fields=["notified_count", "notified_through", "notified_at"])
    return written


def campaign_sweep(
    *, campaign: Campaign, batch_size: int | None = None, max_batches: int | None = None
) -> int:
    """At the campaign's end, stop-list every affected application whose applicant did not answer (C4,
    reason `cleanup`, indefinite), `batch_size` per transaction, by birth year and registration order.
    Returns how many this run stop-listed; the last batch closes the campaign (`swept_at`)."""
    batch_size = batch_size or SWEEP_BATCH
    campaign = Campaign.objects.select_related("locality").get(pk=campaign.pk)
    if campaign.swept_at is not None:
        return 0
    if clock.now() < campaign.ends_at:
        raise Conflict(_("The campaign has not ended yet."), code="campaign_running")
    if campaign.notified_at is None:
        campaign_notify(campaign=campaign)
    cohorts = sorted(
        CohortCounter.objects.filter(
            locality_id=campaign.locality_id, cohort__lte=campaign.last_cohort
        ).values_list("cohort", flat=True)
    )
    unconfirmed = selectors.unconfirmed_applications(campaign=campaign).order_by("cohort", "ordinal")
    swept = batches = 0
    after: tuple[int, int] | None = None  # keyset cursor: answered applications are passed over once
    while cohorts:
        if max_batches is not None and batches >= max_batches:
            return swept
        batches += 1
        candidates = (
            unconfirmed
            if after is None
            else unconfirmed.filter(Q(cohort__gt=after[0]) | Q(cohort=after[0], ordinal__gt=after[1]))
        )
        with transaction.atomic():
            # The end under the campaign's lock (not blocking answers' foreign-key checks): an extension
            # committed since the sweep started stops it before this batch writes anything.
            if campaign_lock(campaign.pk, no_key=True).ends_at > clock.now():
                return swept
            rows = applications_cleanup_stop_list(
                locality=campaign.locality,
                cohorts=cohorts,
                candidates=candidates,
                limit=batch_size,
                campaign_id=campaign.pk,
            )
            Campaign.objects.filter(pk=campaign.pk).update(
                stop_listed_count=F("stop_listed_count") + len(rows)
            )
        swept += len(rows)
        if len(rows) < batch_size:
            break
        after = (rows[-1][1], rows[-1][2])
    with transaction.atomic():
        campaign = campaign_lock(campaign.pk)
        if campaign.swept_at is None:
            campaign.swept_at = clock.now()
            campaign.save(update_fields=["swept_at"])
            _event(
                "campaign.closed",
                campaign,
                confirmed=campaign.responses.count(),
                stop_listed=campaign.stop_listed_count,
            )
    return swept


def campaigns_due() -> int:
    """What `tick` runs, and only `tick`: the fan-out of started campaigns, then the sweep of ended ones
    (C1, C4). Requests never run it: until the sweep, reads treat what it will stop-list as stop-listed
    (C6, `selectors.swept_in_effect`)."""
    done = 0
    for campaign in selectors.campaign_unnotified():
        done += campaign_notify(campaign=campaign)
    overdue = list(selectors.campaign_overdue())
    workers = min(settings.CONFIRMATION_SWEEP_WORKERS, len(overdue))
    if workers < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return done + sum(campaign_sweep(campaign=campaign) for campaign in overdue)
    # Localities are independent (each sweep locks its own cohorts; batches meet only at the ledger head,
    # taken last, just before their commit): sweep several at once, each thread on its own connection.
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="confirmation-sweep") as pool:
        return done + sum(pool.map(_sweep_on_own_connection, overdue))


def _sweep_on_own_connection(campaign: Campaign) -> int:
    try:
        return campaign_sweep(campaign=campaign)
    finally:
        connection.close()  # this thread's connection (connections are per thread)


@dataclass(frozen=True)
class Answers:
    """The six answers (C3). Codes as in `questions`; kindergartens as organisation ids, in rank order."""

    kindergartens: tuple[int, ...]
    ownership: str
    ownership_reason: str
    language: str
    max_payment: int
    activities: tuple[str, ...] = ()
    activity_other: str = ""
    digital: tuple[str, ...] = ()


def answers_checked(*, campaign: Campaign, answers: Answers) -> Answers:
    """The answers, or ValidationFailed naming the first wrong field (the questionnaire checks each step)."""
    kindergartens = answers.kindergartens
    if not 1 <= len(kindergartens) <= questions.MAX_KINDERGARTENS or len(set(kindergartens)) != len(
        kindergartens
    ):
        raise ValidationFailed(_("Choose one to three different kindergartens."), code="kindergartens")
    found = Organisation.objects.filter(
        pk__in=kindergartens, locality_id=campaign.locality_id, is_active=True
    )
    if found.count() != len(kindergartens):
        raise ValidationFailed(_("Choose kindergartens of this locality."), code="kindergartens")
    if answers.ownership not in questions.Ownership.values:
        raise ValidationFailed(_("Choose a form of ownership."), code="ownership")
    reason = "" if answers.ownership == questions.Ownership.ANY else answers.ownership_reason
    if answers.ownership != questions.Ownership.ANY and reason not in questions.OwnershipReason.values:
        raise ValidationFailed(_("Say why: quality or cost."), code="ownership_reason")
    if answers.language not in questions.Language.values:
        raise ValidationFailed(_("Choose a language of education."), code="language")
    if answers.max_payment not in questions.PAYMENT_BANDS:
        raise ValidationFailed(_("Choose an amount from the list."), code="max_payment")
    if not set(answers.activities) <= set(questions.Activity.values):
        raise ValidationFailed(_("Choose activities from the list."), code="activities")
    other = " ".join(answers.activity_other.split())
    if len(other) > questions.ACTIVITY_OTHER_MAX:
        raise ValidationFailed(
            _("At most %(limit)s characters.") % {"limit": questions.ACTIVITY_OTHER_MAX},
            code="activity_other",
        )
    if not set(answers.digital) <= set(questions.Digital.values):
        raise ValidationFailed(_("Choose services from the list."), code="digital")
    return Answers(
        kindergartens=tuple(kindergartens),
        ownership=answers.ownership,
        ownership_reason=reason,
        language=answers.language,
        max_payment=answers.max_payment,
        activities=tuple(sorted(set(answers.activities))),
        activity_other=other,
        digital=tuple(sorted(set(answers.digital))),
    )


def questionnaire_submit(*, campaign: Campaign, applicant: Applicant, answers: Answers) -> Response:
    """Record the applicant's answers and extend all their applications in the locality by one year (C3);
    applications stop-listed for `cleanup` come back to the queue. Once per campaign, while it runs."""
    answers = answers_checked(campaign=campaign, answers=answers)
    campaign = Campaign.objects.select_related("locality").get(pk=campaign.pk)
    now = clock.now()
    if campaign.state_at(now) != Campaign.State.RUNNING:
        raise Conflict(_("The questionnaire is closed: the campaign is not running."), code="campaign_closed")
    if not selectors.applicant_asked(applicant=applicant, campaign=campaign):
        raise NotFound(_("You have no application this campaign asks about."))
    try:
        with transaction.atomic():
            response = Response.objects.create(
                campaign=campaign,
                applicant=applicant,
                submitted_at=now,
                ownership=answers.ownership,
                ownership_reason=answers.ownership_reason,
                language=answers.language,
                max_payment=answers.max_payment,
                activities=list(answers.activities),
                activity_other=answers.activity_other,
                digital=list(answers.digital),
            )
            ResponseKindergarten.objects.bulk_create(
                ResponseKindergarten(response=response, organisation_id=organisation_id, rank=rank)
                for rank, organisation_id in enumerate(answers.kindergartens, start=1)
            )
            extended = applicant_applications_extend(applicant=applicant, locality_id=campaign.locality_id)
            _event(
                "campaign.confirmed",
                campaign,
                applicant=applicant.pk,  # private (A1: the audit checks whose answers the rows hold)
                applications=[application.pk for application in extended],
                valid_until={str(application.pk): application.valid_until for application in extended},
            )
    except IntegrityError as exc:
        raise Conflict(_("You have already answered this questionnaire."), code="answered") from exc
    return response
