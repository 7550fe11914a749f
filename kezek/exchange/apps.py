from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "kezek.exchange"
    label = "exchange"
    verbose_name = _("Place exchange")

    def ready(self) -> None:
        from kezek.core.tick import register_sweep

        from .services import exchange_sweep

        register_sweep("exchange.rounds", lambda: exchange_sweep())  # E74–E76
