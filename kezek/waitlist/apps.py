from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "kezek.waitlist"
    label = "waitlist"

    def ready(self) -> None:
        from kezek.core.tick import register_sweep

        from .services import stop_list_restore_due, wizard_uploads_purge_due

        register_sweep("waitlist.stop_list_restore", lambda: stop_list_restore_due())
        register_sweep("waitlist.wizard_uploads_purge", lambda: wizard_uploads_purge_due())
