from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "kezek.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from kezek.core.tick import register_sweep

        from .checks import check_sms_backend
        from .services import outbox_sweep_tick

        checks.register(check_sms_backend)
        register_sweep("notifications.outbox_retry", outbox_sweep_tick)
