from django.apps import AppConfig


class CabinetConfig(AppConfig):
    name = "kezek.cabinet"
    label = "cabinet"
