from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "kezek.attendance"
    label = "attendance"
