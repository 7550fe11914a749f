import pytest
from pytest_django import Settings


@pytest.fixture(autouse=True)
def quick_resend(settings: Settings) -> None:
    """Tests sign in several times in a row: no minute between two codes to one phone."""
    settings.OTP_RESEND_INTERVAL_SECONDS = 0
