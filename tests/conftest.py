from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Uploaded certificates go to a temporary folder, never into the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Rate-limit counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def captcha_test_mode(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The captcha (pages and the cabinet API) accepts the answer "PASSED", any other is wrong.
    django-simple-captcha reads the setting once at import (captcha.conf.settings), so the module's copy is
    patched as well."""
    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)


@pytest.fixture(autouse=True)
def sessions_without_timeout(settings: Any) -> None:
    """Tests travel days ahead with a signed-in client for other reasons: sessions do not time out here.
    tests/core/test_sessions.py restores the real limits."""
    settings.STAFF_SESSION_IDLE_SECONDS = settings.STAFF_SESSION_ABSOLUTE_SECONDS = 10 * 365 * 86400
    settings.CABINET_SESSION_IDLE_SECONDS = 10 * 365 * 86400


@pytest.fixture
def admin_client(db: None) -> Client:
    """pytest-django's admin client, as the admin now requires: an administrator whose second factor is
    verified (a plain superuser session is sent to the staff sign-in)."""
    from kezek.staff.models import Role
    from tests.factories import staff_login, staff_user

    return staff_login(Client(), staff_user(role=Role.ADMINISTRATOR, username="admin"))


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` are skipped when the suite runs on SQLite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://…)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)
