from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Deterministic demo data (`seed_demo`); the lowest app, it may import every other."""

    name = "kezek.demo"
    label = "demo"
