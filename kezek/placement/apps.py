from django.apps import AppConfig


class PlacementConfig(AppConfig):
    name = "kezek.placement"
    label = "placement"

    def ready(self) -> None:
        from kezek.core.tick import register_sweep

        from .services import directions_expire_due

        register_sweep("placement.directions_expire", lambda: directions_expire_due())
