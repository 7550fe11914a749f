from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kezek.core"
    label = "core"

    def ready(self) -> None:
        from .task_rows import task_rows_recover
        from .tick import register_sweep

        register_sweep("core.task_rows_recover", task_rows_recover)
