"""System checks of the deployment: in production the cache must be shared by every worker process, as
the API's per-client throttles are counted in it (one in-memory cache per gunicorn worker gives a client
each worker's allowance)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

# Cache backends whose counts live in one process only.
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def check_shared_cache(**kwargs: Any) -> list[CheckMessage]:
    if not settings.IS_PRODUCTION or settings.CACHES["default"]["BACKEND"] not in PER_PROCESS_CACHES:
        return []
    return [
        Error(
            "The cache is per process: each worker counts the API's throttles on its own.",
            hint="Set REDIS_URL (e.g. redis://host:6379/0) so that every worker and host share one count.",
            id="core.E001",
        )
    ]
