from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "kezek.registry"
    label = "registry"
