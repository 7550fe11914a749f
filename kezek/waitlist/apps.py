from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "kezek.waitlist"
    label = "waitlist"
