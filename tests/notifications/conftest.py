"""Notifications tests run tasks at once (ImmediateBackend) and send SMS with the scripted test backend."""

from collections.abc import Iterator

import pytest
from pytest_django import Settings

from tests.notifications.fakes import ScriptedSmsBackend

IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}
}


@pytest.fixture(autouse=True)
def notification_settings(settings: Settings) -> None:
    settings.TASKS = IMMEDIATE_TASKS
    settings.SMS_BACKEND = "tests.notifications.fakes.ScriptedSmsBackend"
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 5
    settings.NOTIFICATIONS_RETRY_DELAY = 60
    settings.NOTIFICATIONS_RETRY_MAX_DELAY = 3600
    settings.NOTIFICATIONS_LEASE_SECONDS = 300
    settings.NOTIFICATIONS_SWEEP_BATCH = 50
    settings.NOTIFICATIONS_SWEEP_SECONDS = 30


@pytest.fixture(autouse=True)
def sms() -> Iterator[type[ScriptedSmsBackend]]:
    """The scripted backend's class: `sms.sent` lists what was sent, `sms.script` scripts failures."""
    ScriptedSmsBackend.reset()
    yield ScriptedSmsBackend
    ScriptedSmsBackend.reset()
