from django.apps import AppConfig


class InfectionConfig(AppConfig):
    name = "kezek.infection"
    label = "infection"

    def ready(self) -> None:
        from kezek.core.tick import register_sweep
        from kezek.placement import signals

        from .services import on_enrollment_created, on_enrollment_transferred, quarantines_end_due

        register_sweep("infection.quarantines_end", lambda: quarantines_end_due())
        # E55: a group in quarantine takes no new child — refused inside the enrolment's transaction.
        signals.enrollment_created.connect(on_enrollment_created, dispatch_uid="infection.enrollment_created")
        signals.enrollment_transferred.connect(
            on_enrollment_transferred, dispatch_uid="infection.enrollment_transferred"
        )
