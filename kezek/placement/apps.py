from django.apps import AppConfig


class PlacementConfig(AppConfig):
    name = "kezek.placement"
    label = "placement"

    def ready(self) -> None:
        from kezek.core.tick import register_sweep
        from kezek.waitlist import signals

        from .services import directions_expire_due, offers_advance, on_benefit_decided, on_benefit_deciding

        register_sweep("placement.directions_expire", lambda: directions_expire_due())
        register_sweep("placement.offers_advance", lambda: offers_advance())
        signals.benefit_deciding.connect(on_benefit_deciding, dispatch_uid="placement.benefit_deciding")
        signals.benefit_decided.connect(on_benefit_decided, dispatch_uid="placement.benefit_decided")
