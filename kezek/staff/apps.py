from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "kezek.staff"
    verbose_name = _("Staff and roles")

    def ready(self) -> None:
        from django.contrib import admin

        from .admin_site import KezekAdminSite

        # The admin is for administrators with a verified second factor only (django-otp's documented
        # way to swap the default site's class).
        admin.site.__class__ = KezekAdminSite
