from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "kezek.attendance"
    label = "attendance"

    def ready(self) -> None:
        from kezek.core.tick import register_sweep

        from .services import months_lock_due

        register_sweep("attendance.months_lock", lambda: months_lock_due())
