from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "kezek.notifications"
    label = "notifications"
