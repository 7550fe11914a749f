from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenDataConfig(AppConfig):
    """Open data (rules O1–O5): figures, protocols of freed places and directions, queue lists, exports."""

    name = "kezek.opendata"
    label = "opendata"
    verbose_name = _("Open data")
