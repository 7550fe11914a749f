from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "kezek.core"
    label = "core"

    def ready(self) -> None:
        from .checks import check_shared_cache
        from .task_rows import task_rows_recover
        from .tick import register_sweep

        register_sweep("core.task_rows_recover", task_rows_recover)
        checks.register(check_shared_cache, checks.Tags.caches)
