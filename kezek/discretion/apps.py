from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscretionConfig(AppConfig):
    name = "kezek.discretion"
    verbose_name = _("Staff discretion")
