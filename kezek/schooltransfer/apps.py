from django.apps import AppConfig


class SchoolTransferConfig(AppConfig):
    name = "kezek.schooltransfer"
    label = "schooltransfer"

    def ready(self) -> None:
        from kezek.placement import signals

        from .services import on_enrollment_departed

        # After `kezek.records` (earlier in INSTALLED_APPS): the file is closed first, then the transfer ends.
        signals.enrollment_departed.connect(
            on_enrollment_departed, dispatch_uid="schooltransfer.enrollment_departed"
        )
