from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "kezek.facilities"
    label = "facilities"
