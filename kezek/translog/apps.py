from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class TranslogConfig(AppConfig):
    name = "kezek.translog"
    label = "translog"
    verbose_name = _("Transparency log")

    def ready(self) -> None:
        from kezek.core.tick import register_sweep

        from .checks import check_log_key
        from .services import checkpoint_sign_due, log_integrate

        checks.register(check_log_key)
        # Sweeps run in name order: the tree grows first, then a checkpoint signs it.
        register_sweep("translog.integrate", lambda: log_integrate())
        register_sweep("translog.sign", lambda: checkpoint_sign_due())
