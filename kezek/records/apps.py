from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "kezek.records"
    label = "records"

    def ready(self) -> None:
        from kezek.placement import signals

        from .services import on_enrollment_created, on_enrollment_departed, on_enrollment_transferred

        signals.enrollment_created.connect(on_enrollment_created, dispatch_uid="records.enrollment_created")
        signals.enrollment_transferred.connect(
            on_enrollment_transferred, dispatch_uid="records.enrollment_transferred"
        )
        signals.enrollment_departed.connect(
            on_enrollment_departed, dispatch_uid="records.enrollment_departed"
        )
