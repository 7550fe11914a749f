from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "kezek.integrity"
    label = "integrity"

    def ready(self) -> None:
        from kezek.core.tick import register_sweep

        from .services import integrity_nightly_queue

        register_sweep("integrity.nightly", lambda: integrity_nightly_queue())
