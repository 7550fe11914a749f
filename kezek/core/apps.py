from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "kezek.core"
    label = "core"

    def ready(self) -> None:
        from .checks import check_shared_cache

        checks.register(check_shared_cache, checks.Tags.caches)
