import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# The browser tests switch Django's async-safety check off for the rest of the test session (Playwright's
# event loop lives that long); a production process never has that variable, so neither does this one.
TEST_ONLY = ("DJANGO_ALLOW_ASYNC_UNSAFE",)


def test_production_settings_pass_check_deploy() -> None:
    env = {
        **{name: value for name, value in os.environ.items() if name not in TEST_ONLY},
        "KEZEK_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "kezek.example.kz",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


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
