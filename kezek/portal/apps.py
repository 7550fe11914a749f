from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kezek.portal"
    label = "portal"
