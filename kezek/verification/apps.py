from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "kezek.verification"
    label = "verification"
