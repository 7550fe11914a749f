from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "kezek.monitoring"
    label = "monitoring"
