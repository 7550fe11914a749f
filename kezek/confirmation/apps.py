from django.apps import AppConfig


class ConfirmationConfig(AppConfig):
    name = "kezek.confirmation"
    label = "confirmation"

    def ready(self) -> None:
        from kezek.core.tick import register_sweep

        from .services import campaigns_due

        register_sweep("confirmation.campaigns", lambda: campaigns_due())
