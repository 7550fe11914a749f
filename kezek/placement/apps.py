from django.apps import AppConfig


class PlacementConfig(AppConfig):
    name = "kezek.placement"
    label = "placement"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kezek.core.tick import register_sweep
        from kezek.facilities.models import Group
        from kezek.waitlist import signals

        from .services import (
            directions_expire_due,
            offers_advance,
            on_benefit_decided,
            on_benefit_deciding,
            unaccounted_seats_publish,
        )
        from .signals import on_group_saved

        register_sweep("placement.directions_expire", lambda: directions_expire_due())
        register_sweep("placement.offers_advance", lambda: offers_advance())
        # After the directions' sweep (names run in order): an expired direction's seat has its own cause.
        register_sweep("placement.unaccounted_publish", lambda: unaccounted_seats_publish())
        post_save.connect(on_group_saved, sender=Group, dispatch_uid="placement.group_saved")
        signals.benefit_deciding.connect(on_benefit_deciding, dispatch_uid="placement.benefit_deciding")
        signals.benefit_decided.connect(on_benefit_decided, dispatch_uid="placement.benefit_decided")
