from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.test import Client

from kezek.integrity.diff import integrity_check
from tests.log_key import ORIGIN, SKEY, VKEY

# DATABASE_OWNER_URL: the suite runs as the application role, the owner creates the test databases (issue 16).
pytest_plugins = ["tests.database_roles"]


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2 with one iteration: the same `pbkdf2_sha256$…` hashes (tests check the format), a
    quarter of a second less per user or password set. Production keeps Django's 1 000 000 iterations."""

    iterations = 1


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under `pytest -n`, hand out whole test files (module fixtures run once), in pytest-django's order.

    pytest-django runs the tests that roll back first, then the transactional ones (`transaction=True`,
    `live_server`), whose end empties every table, the rows the migrations wrote too (benefit categories…):
    a rolled-back test after them would find those gone. Each worker has its own database, so it is enough
    that every worker receives its tests in that order: a file is a work unit, except that the later part of
    a file whose tests pytest-django split apart (some transactional) is a unit of its own, and units go out
    in collection order (xdist's own file scheduling sorts them by size)."""
    from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

    class DatabaseOrderScheduling(LoadScopeScheduling):
        def __init__(self, config: pytest.Config, log: Any = None) -> None:
            super().__init__(config, log)
            self.units: dict[str, str] = {}

        def _split_scope(self, nodeid: str) -> str:
            if not self.units:
                runs: dict[str, int] = {}
                previous = None
                for test in next(iter(self.registered_collections.values())):
                    path = test.split("::", 1)[0]
                    if path != previous:
                        runs[path] = runs.get(path, 0) + 1
                        previous = path
                    self.units[test] = f"{path}#{runs[path]}"
            return self.units[nodeid]

    config.option.loadscopereorder = False
    return DatabaseOrderScheduling(config, log)


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    settings.PASSWORD_HASHERS = [f"{__name__}.FastPBKDF2PasswordHasher"]
    # A shared Redis (REDIS_URL) under `pytest -n` (workers gw0, gw1, …): each worker its own keys, which
    # it clears on its own (clearing the whole Redis database would reset the other workers' counters).
    worker = getattr(config, "workerinput", {}).get("workerid")
    cache = settings.CACHES["default"]
    if cache["BACKEND"].endswith("RedisCache") and worker:
        settings.CACHES = {**settings.CACHES, "default": {**cache, "KEY_PREFIX": f"test-{worker}"}}


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Uploaded certificates go to a temporary folder, never into the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def default_language() -> None:
    """Every test starts in the default language: Django's test client leaves the last request's language
    active in the thread, and under `pytest -n` the test that ran before is another file's."""
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Rate-limit counters live in the cache: every test starts with none."""
    from django.conf import settings
    from django.core.cache import cache

    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    if not prefix.startswith("test-"):
        cache.clear()
        return
    import redis

    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


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


@pytest.fixture(autouse=True)
def demo_history_of_two_kindergartens(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test that seeds the demo for its own feature gets the demo's history (seats taken from the queue,
    files, timesheets) in its first two kindergartens only: the whole history costs about 50 s on SQLite
    and 3 min on PostgreSQL per seed, and tests/demo/test_seeded_demo.py checks it once (`FULL_DEMO`)."""
    if not getattr(request.module, "FULL_DEMO", False):
        monkeypatch.setattr("kezek.demo.records.ENROL_ORGANISATIONS", 2)


@pytest.fixture
def admin_client(db: None) -> Client:
    """pytest-django's admin client, as the admin now requires: an administrator whose second factor is
    verified (a plain superuser session is sent to the staff sign-in)."""
    from kezek.staff.models import Role
    from tests.factories import staff_login, staff_user

    return staff_login(Client(), staff_user(role=Role.ADMINISTRATOR, username="admin"))


@pytest.fixture(autouse=True)
def log_key(settings: Any) -> str:
    """Every test signs the transparency log's checkpoints with one known key (tests/log_key.py)."""
    settings.TRANSPARENCY_LOG_ORIGIN = ORIGIN
    settings.TRANSPARENCY_LOG_KEY = SKEY
    return VKEY


@pytest.fixture
def ledger_agrees(db: None) -> Iterator[None]:
    """After the test: `integrity_check` finds the live tables as the ledger says (issue 16: clean after
    the concurrency tests too)."""
    yield
    assert integrity_check().findings == []


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` are skipped when the suite runs on SQLite. Every test has its own id."""
    from django.conf import settings

    # pytest 9 builds an item's id from its function and parametrize ids, so schemathesis' items (one per API
    # operation, named `test…[GET /api/…]`) all get the function's id; pytest-xdist hands out tests by id
    # and would run one of them. Give such an item the id its name says.
    ids = Counter(item.nodeid for item in items)
    for item in items:
        if ids[item.nodeid] > 1 and item.parent is not None:
            item._id = item.parent._id.child(item.name)

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://…)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)
