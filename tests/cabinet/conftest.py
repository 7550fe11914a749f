import pytest
from pytest_django import Settings


@pytest.fixture(autouse=True)
def quick_resend(settings: Settings) -> None:
    """Tests sign in several times in a row: no minute between two codes to one phone."""
    settings.OTP_RESEND_INTERVAL_SECONDS = 0


@pytest.fixture(autouse=True)
def captcha_test_mode(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The captcha accepts the answer "PASSED". django-simple-captcha reads the setting once at import
    (captcha.conf.settings), so the module's copy is patched as well."""
    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)
