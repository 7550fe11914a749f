import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kezek_verify.note import generate_key

ROOT = Path(__file__).resolve().parents[2]
LOG_ORIGIN = "kezek.example.kz/log"
LOG_KEY = generate_key(LOG_ORIGIN)[0]  # production signs the transparency log (translog.E001)


# The browser tests switch Django's async-safety check off for the rest of the test session (Playwright's
# event loop lives that long); a production process never has that variable, so neither does this one.
TEST_ONLY = ("DJANGO_ALLOW_ASYNC_UNSAFE",)


def check_deploy(**env: str) -> subprocess.CompletedProcess[str]:
    """`manage.py check --deploy` (warnings fail) under the production settings and `env`."""
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{name: value for name, value in os.environ.items() if name not in (*TEST_ONLY, "REDIS_URL")},
            "KEZEK_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "kezek.example.kz",
            "KEZEK_LOG_KEY": LOG_KEY,
            "KEZEK_LOG_ORIGIN": LOG_ORIGIN,
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_check_deploy() -> None:
    result = check_deploy(REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_a_shared_cache_is_an_error() -> None:
    """Throttles counted per worker would give a client each worker's allowance."""
    result = check_deploy()
    assert result.returncode != 0
    assert "core.E001" in result.stderr
    assert "REDIS_URL" in result.stderr
    development = check_deploy(KEZEK_ENV="dev")
    assert "core.E001" not in development.stdout + development.stderr


def test_production_refuses_missing_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | {"KEZEK_ENV": "production"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_time_zone_and_languages() -> None:
    from django.conf import settings

    assert settings.TIME_ZONE == "Asia/Almaty"
    assert settings.USE_TZ is True
    assert [code for code, _name in settings.LANGUAGES] == ["kk", "ru", "en"]


def _redis_listening(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_listening(), reason="needs Redis on 127.0.0.1:6379")
def test_redis_url_makes_the_cache_shared_by_every_process() -> None:
    """What one process counts (a throttle's history) another sees: REDIS_URL selects Django's Redis cache."""
    env = {
        **{name: value for name, value in os.environ.items() if name not in TEST_ONLY},
        "REDIS_URL": "redis://127.0.0.1:6379/15",
    }
    key = f"kezek-test-{secrets.token_hex(8)}"
    script = (
        "import sys, django; django.setup()\n"
        "from django.core.cache import caches\n"
        "cache = caches['default']\n"
        "if sys.argv[1] == 'set': cache.set(sys.argv[2], 42, 30)\n"
        "print(type(cache).__name__, cache.get(sys.argv[2]))\n"
    )

    def run(*args: str) -> str:
        result = subprocess.run(  # noqa: S603  (this interpreter, our own script)
            [sys.executable, "-c", script, *args],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert run("set", key) == "RedisCache 42"
    assert run("get", key) == "RedisCache 42"  # another process


def test_the_default_cache_is_in_memory() -> None:
    from django.conf import settings

    if not os.environ.get("REDIS_URL"):
        assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
