"""A whole yearly confirmation (C1–C4) with time travel: launch, fan-out, answers, sweep, restore."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User

from kezek.confirmation import selectors, services
from kezek.confirmation.models import Campaign, Response
from kezek.core import clock
from kezek.core.errors import Conflict, NotFound, ValidationFailed
from kezek.core.tick import tick_run
from kezek.facilities.models import Locality, Organisation
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.notifications.models import OutboxMessage
from kezek.waitlist import selectors as waitlist_selectors
from kezek.waitlist import services as waitlist_services
from kezek.waitlist.models import Application, StopListEntry
from tests.factories import LocalityFactory

from .conftest import ALMATY, LAUNCH, answers_for, child_application

pytestmark = pytest.mark.django_db


def fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


def test_whole_campaign(locality: Locality, kindergartens: list[Organisation], operator: User) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY), tick=False):
        confirms = child_application(locality, born=dt.date(2023, 5, 1))
        sibling = child_application(locality, born=dt.date(2024, 12, 31), sibling_of=confirms)
        forgets = child_application(locality, born=dt.date(2022, 7, 1))
        too_young = child_application(locality, born=dt.date(2025, 1, 1))
    assert sibling.applicant_id == confirms.applicant_id
    valid_before = fresh(confirms).valid_until

    with time_machine.travel(LAUNCH, tick=False):
        campaign = services.campaign_launch(locality=locality, by_staff=operator)
        assert campaign.ends_at == dt.datetime(2026, 11, 1, 9, 0, tzinfo=ALMATY)
        assert campaign.last_cohort == 2024
        with pytest.raises(Conflict):
            services.campaign_launch(locality=locality, by_staff=operator)
        assert tick_run()["confirmation.campaigns"] == 2  # one message per applicant
        launch_messages = OutboxMessage.objects.filter(template="campaign_launched")
        assert sorted(m.recipient for m in launch_messages) == sorted(
            [confirms.applicant.phone, forgets.applicant.phone]
        )
        # The deadline is the campaign's end, 1 November (the locality's name may hold any number).
        assert all(m.language == "ru" and "до 01.11.2026 09:00" in m.body for m in launch_messages)
        assert tick_run()["confirmation.campaigns"] == 0  # idempotent
        assert selectors.campaign_current(locality=locality) == campaign
        assert selectors.applicant_must_confirm(applicant=confirms.applicant, campaign=campaign)
        assert not selectors.applicant_asked(applicant=too_young.applicant, campaign=campaign)

    with time_machine.travel(dt.datetime(2026, 10, 20, 12, 0, tzinfo=ALMATY), tick=False):
        position_before = waitlist_selectors.queue_position(application=fresh(confirms))
        services.questionnaire_submit(
            campaign=campaign, applicant=confirms.applicant, answers=answers_for(kindergartens)
        )
        with pytest.raises(Conflict):
            services.questionnaire_submit(
                campaign=campaign, applicant=confirms.applicant, answers=answers_for(kindergartens)
            )
        with pytest.raises(NotFound):
            services.questionnaire_submit(
                campaign=campaign, applicant=too_young.applicant, answers=answers_for(kindergartens)
            )
        assert fresh(confirms).valid_until == valid_before.replace(year=valid_before.year + 1)
        assert fresh(sibling).valid_until.year == valid_before.year + 1  # all the applicant's applications
        assert not selectors.applicant_must_confirm(applicant=confirms.applicant, campaign=campaign)

    with time_machine.travel(dt.datetime(2026, 11, 1, 9, 0, 1, tzinfo=ALMATY), tick=False):
        with pytest.raises(Conflict):  # closed at its end, even before the sweep ran
            services.questionnaire_submit(
                campaign=campaign, applicant=forgets.applicant, answers=answers_for(kindergartens)
            )
        assert campaign.state_at(dt.datetime.now(tz=ALMATY)) == Campaign.State.CLOSING
        assert tick_run()["confirmation.campaigns"] == 1
        assert tick_run()["confirmation.campaigns"] == 0
        campaign.refresh_from_db()
        assert campaign.swept_at is not None
        assert campaign.stop_listed_count == 1
        assert fresh(confirms).status == "queued"
        assert waitlist_selectors.queue_position(application=fresh(confirms)) == position_before
        assert fresh(too_young).status == "queued"
        gone = fresh(forgets)
        assert gone.status == "stop_listed"
        assert gone.status_reason == "cleanup"
        entry = StopListEntry.objects.get(application=gone)
        assert entry.reason == "cleanup"
        assert entry.restore_on is None
        assert OutboxMessage.objects.filter(
            template="application_stop_listed", recipient=gone.applicant.phone
        )
        kinds = list(LedgerEvent.objects.filter(subject_type="campaign").values_list("kind", flat=True))
        assert kinds == ["campaign.launched", "campaign.notified", "campaign.confirmed", "campaign.closed"]
        assert LedgerEvent.objects.filter(
            kind="application.stop_listed", subject_id=str(gone.pk), payload__reason="cleanup"
        ).exists()

    # Months later the parent takes it out of the stop-list from the cabinet: original registered_at.
    with time_machine.travel(dt.datetime(2027, 2, 10, 10, 0, tzinfo=ALMATY), tick=False):
        assert tick_run()["waitlist.stop_list_restore"] == 0  # indefinite: never restored automatically
        waitlist_services.application_restore(application=gone, by_applicant=gone.applicant)
        back = fresh(gone)
        assert back.status == "queued"
        assert back.registered_at == forgets.registered_at
        assert back.valid_until == dt.date(2028, 3, 2)  # interest confirmed again: one year more
        assert waitlist_selectors.queue_position(application=back) is not None
    assert ledger_verify().ok


def test_answers_are_checked(locality: Locality, kindergartens: list[Organisation], operator: User) -> None:
    other = LocalityFactory.create()
    with time_machine.travel(LAUNCH, tick=False):
        campaign = services.campaign_launch(locality=locality, by_staff=operator)
        good = answers_for(kindergartens)
        wrong = [
            good.__class__(**{**good.__dict__, "kindergartens": ()}),
            good.__class__(**{**good.__dict__, "kindergartens": (kindergartens[0].pk,) * 2}),
            good.__class__(**{**good.__dict__, "kindergartens": (*tuple(k.pk for k in kindergartens), 0)}),
            good.__class__(**{**good.__dict__, "ownership": "public"}),
            good.__class__(**{**good.__dict__, "ownership_reason": ""}),
            good.__class__(**{**good.__dict__, "language": "en"}),
            good.__class__(**{**good.__dict__, "max_payment": 12_345}),
            good.__class__(**{**good.__dict__, "activities": ("ballet",)}),
            good.__class__(**{**good.__dict__, "activity_other": "x" * 201}),
            good.__class__(**{**good.__dict__, "digital": ("telepathy",)}),
        ]
        for answers in wrong:
            with pytest.raises(ValidationFailed):
                services.answers_checked(campaign=campaign, answers=answers)
        from tests.factories import OrganisationFactory

        foreign = OrganisationFactory.create(locality=other)
        with pytest.raises(ValidationFailed):
            services.answers_checked(
                campaign=campaign, answers=good.__class__(**{**good.__dict__, "kindergartens": (foreign.pk,)})
            )
        any_ownership = services.answers_checked(
            campaign=campaign, answers=good.__class__(**{**good.__dict__, "ownership": "any"})
        )
        assert any_ownership.ownership_reason == ""
    assert not Response.objects.exists()


def test_campaign_dates_are_checked(locality: Locality, operator: User) -> None:
    with time_machine.travel(LAUNCH, tick=False):
        with pytest.raises(ValidationFailed):
            services.campaign_launch(
                locality=locality, by_staff=operator, ends_at=LAUNCH + dt.timedelta(days=3)
            )
        with pytest.raises(ValidationFailed):
            services.campaign_launch(
                locality=locality, by_staff=operator, ends_at=LAUNCH + dt.timedelta(days=200)
            )
        scheduled = services.campaign_launch(
            locality=locality, by_staff=operator, starts_at=LAUNCH + dt.timedelta(days=5)
        )
        assert scheduled.state_at(LAUNCH) == Campaign.State.SCHEDULED
        assert selectors.campaign_current(locality=locality) is None
        assert tick_run()["confirmation.campaigns"] == 0  # no message before the start
    assert not Campaign.objects.exclude(pk=scheduled.pk).exists()


def test_sweep_in_batches_resumes_without_doing_anything_twice(
    locality: Locality, kindergartens: list[Organisation], operator: User
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY), tick=False):
        applications = [
            child_application(locality, born=dt.date(2021 + i % 3, 1 + i % 12, 1 + i), tier=tier)
            for i, tier in enumerate(
                ["general", "first_priority", "general", "general", "first_priority"] * 2
            )
        ]
    with time_machine.travel(LAUNCH, tick=False):
        campaign = services.campaign_launch(locality=locality, by_staff=operator)
        assert services.campaign_notify(campaign=campaign, batch_size=3, max_batches=2) == 6
        assert services.campaign_notify(campaign=campaign, batch_size=3) == 4
        assert OutboxMessage.objects.filter(template="campaign_launched").count() == 10
    with time_machine.travel(campaign.ends_at + dt.timedelta(hours=1), tick=False):
        first = services.campaign_sweep(campaign=campaign, batch_size=2, max_batches=2)  # "killed"
        campaign.refresh_from_db()
        assert 0 < first < 10
        assert campaign.swept_at is None
        assert campaign.stop_listed_count == first
        assert services.campaign_sweep(campaign=campaign, batch_size=2) == 10 - first
        assert services.campaign_sweep(campaign=campaign, batch_size=2) == 0
        assert StopListEntry.objects.filter(reason="cleanup").count() == 10
        assert {fresh(a).status for a in applications} == {"stop_listed"}
        assert LedgerEvent.objects.filter(kind="application.stop_listed").count() == 10
        assert OutboxMessage.objects.filter(template="application_stop_listed").count() == 10
        for application in applications:
            assert waitlist_selectors.queue_position(application=fresh(application)) is None
    assert ledger_verify().ok


def test_an_extended_campaign_ends_later_and_is_swept_only_then(
    locality: Locality, kindergartens: list[Organisation], operator: User
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY), tick=False):
        late = child_application(locality, born=dt.date(2023, 5, 1))
        forgets = child_application(locality, born=dt.date(2022, 7, 1))
    with time_machine.travel(LAUNCH, tick=False):
        campaign = services.campaign_launch(locality=locality, by_staff=operator)
        assert tick_run()["confirmation.campaigns"] == 2  # the launch messages
    old_end = campaign.ends_at  # 1 November
    new_end = old_end + dt.timedelta(days=14)
    with time_machine.travel(old_end - dt.timedelta(days=1), tick=False):
        for refused in (old_end, old_end - dt.timedelta(days=1), LAUNCH + dt.timedelta(days=93)):
            with pytest.raises(ValidationFailed):  # never brought forward; at most 92 days in all
                services.campaign_extend(campaign=campaign, ends_at=refused, by_staff=operator)
        campaign = services.campaign_extend(campaign=campaign, ends_at=new_end, by_staff=operator)
    assert Campaign.objects.get(pk=campaign.pk).ends_at == new_end
    event = LedgerEvent.objects.get(kind="campaign.extended", subject_id=str(campaign.pk))
    assert event.payload["staff"] == operator.pk
    assert event.payload["campaign"] == campaign.pk
    with time_machine.travel(old_end + dt.timedelta(days=1), tick=False):
        assert campaign.state_at(clock.now()) == Campaign.State.RUNNING
        assert tick_run()["confirmation.campaigns"] == 0  # the old end passed: nothing swept
        assert fresh(forgets).status == "queued"
        services.questionnaire_submit(
            campaign=campaign, applicant=late.applicant, answers=answers_for(kindergartens)
        )  # answering in the extra days
    with time_machine.travel(new_end + dt.timedelta(minutes=1), tick=False):
        with pytest.raises(Conflict):
            services.campaign_extend(campaign=campaign, ends_at=new_end + dt.timedelta(1), by_staff=operator)
        assert tick_run()["confirmation.campaigns"] == 1
    assert fresh(forgets).status == "stop_listed"
    assert fresh(late).status == "queued"
    assert ledger_verify().ok
