"""The `waitlist.wizard_uploads_purge` sweep: certificates kept by join wizards abandoned without "cancel"
are deleted once older than the limit; a wizard still in progress keeps its file."""

import datetime as dt
import os
import time
from typing import Any

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from kezek.core import clock
from kezek.core.tick import registered_sweeps, tick_run
from kezek.waitlist.models import Application
from kezek.waitlist.services import (
    WIZARD_UPLOAD_DIR,
    wizard_uploads_max_age,
    wizard_uploads_purge,
)
from tests.factories import certificate
from tests.waitlist.test_web_join import (
    BENEFIT,
    REVIEW,
    Family,
    Recorder,
    refused,
    through_address,
    through_notifications,
    through_persons,
    through_phones,
)

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(hours=24)


def kept(name: str, *, age: dt.timedelta = dt.timedelta(0), folder: str = WIZARD_UPLOAD_DIR) -> str:
    """A file as the wizard keeps it, last modified `age` ago."""
    stored = default_storage.save(f"{folder}/{name}", ContentFile(b"%PDF-1.4 test"))
    when = time.time() - age.total_seconds()
    os.utime(default_storage.path(stored), (when, when))
    return stored


def test_nothing_kept_yet() -> None:
    assert wizard_uploads_purge(older_than=DAY) == 0


def test_deletes_only_the_old_files_and_is_idempotent() -> None:
    old = kept("a" * 32 + ".pdf", age=DAY + dt.timedelta(minutes=1))
    young = kept("b" * 32 + ".pdf", age=DAY - dt.timedelta(minutes=5))
    fresh = kept("c" * 32 + ".jpg")
    claim = kept("claim.pdf", age=DAY * 30, folder="benefits/2026/01")  # a submitted claim's file
    assert wizard_uploads_purge(older_than=DAY) == 1
    assert not default_storage.exists(old)
    assert default_storage.exists(young)
    assert default_storage.exists(fresh)
    assert default_storage.exists(claim)
    assert wizard_uploads_purge(older_than=DAY) == 0


def test_max_age_setting_and_the_session_age(settings: Any) -> None:
    assert wizard_uploads_max_age() == DAY
    settings.WAITLIST_WIZARD_UPLOADS_MAX_AGE_SECONDS = 3600
    assert wizard_uploads_max_age() == dt.timedelta(hours=1)
    # Longer than the session that remembers the wizard is pointless: the session's age is the limit.
    settings.WAITLIST_WIZARD_UPLOADS_MAX_AGE_SECONDS = 30 * 24 * 3600
    settings.SESSION_COOKIE_AGE = 2 * 24 * 3600
    assert wizard_uploads_max_age() == dt.timedelta(days=2)


def test_registered_with_tick(settings: Any) -> None:
    assert "waitlist.wizard_uploads_purge" in registered_sweeps()
    settings.WAITLIST_WIZARD_UPLOADS_MAX_AGE_SECONDS = 3600
    old = kept("d" * 32 + ".pdf", age=dt.timedelta(hours=2))
    young = kept("e" * 32 + ".pdf", age=dt.timedelta(minutes=30))
    assert tick_run()["waitlist.wizard_uploads_purge"] == 1
    assert not default_storage.exists(old)
    assert default_storage.exists(young)
    assert tick_run()["waitlist.wizard_uploads_purge"] == 0


def test_an_abandoned_wizard_loses_its_certificate_a_wizard_in_progress_keeps_it(client: Client) -> None:
    web = Recorder(client, Family())
    through_phones(web)
    through_persons(web)
    through_address(web)
    today = clock.today().isoformat()
    web.post(BENEFIT, {"category": "military", "issued_on": today, "document": certificate()})
    through_notifications(web)
    stored = client.session["waitlist_join"]["benefit"]["document"]
    assert tick_run()["waitlist.wizard_uploads_purge"] == 0  # in progress: kept
    assert default_storage.exists(stored)
    with time_machine.travel(clock.now() + DAY + dt.timedelta(minutes=1), tick=False):
        assert tick_run()["waitlist.wizard_uploads_purge"] == 1
    assert not default_storage.exists(stored)
    # The parent who comes back after all is sent to attach the certificate again (no 500).
    refused(web.post(REVIEW, {}), "Attach the certificate and its date of issue")
    assert Application.objects.count() == 0
