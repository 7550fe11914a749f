from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TranslogConfig(AppConfig):
    name = "kezek.translog"
    label = "translog"
    verbose_name = _("Transparency log")

    def ready(self) -> None:
        from kezek.core.tick import register_sweep

        from .services import log_integrate

        register_sweep("translog.integrate", lambda: log_integrate())
