from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kezek.core"
    label = "core"
