from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VouchersConfig(AppConfig):
    name = "kezek.vouchers"
    label = "vouchers"
    verbose_name = _("Vouchers")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kezek.core.tick import register_sweep
        from kezek.placement.models import Publication

        from .services import on_publication_saved, voucher_reminders_send, vouchers_sweep

        # Named into placement's sweeps (they run by name): after the directions' expiry and the seat check
        # publish (`placement.directions_expire`, `placement.unaccounted_publish`), before the log integrates.
        register_sweep("placement.vouchers", lambda: vouchers_sweep())
        register_sweep("placement.vouchers_remind", lambda: voucher_reminders_send())  # E38a
        post_save.connect(on_publication_saved, sender=Publication, dispatch_uid="vouchers.publication")
