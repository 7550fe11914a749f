from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "kezek.verification"
    label = "verification"

    def ready(self) -> None:
        from kezek.core.tick import register_sweep

        from .services import failed_attempts_purge, phone_codes_purge

        register_sweep("verification.purge_expired", phone_codes_purge)
        register_sweep("verification.purge_failed_attempts", failed_attempts_purge)
