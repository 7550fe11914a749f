from django.urls import path, register_converter

from kezek.funding import views as funding_views

from . import views


class ExportFormat:
    regex = "csv|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormat, "opendata_format")

app_name = "opendata"

urlpatterns = [
    path("", views.index, name="index"),
    path("publications/", views.publications, name="publications"),
    path("directions/", views.directions, name="directions"),
    path("queue/", views.queue, name="queue"),
    path("stop-list/", views.stop_list, name="stop_list"),
    path("groups/", views.groups, name="groups"),
    path("decisions/", views.decisions, name="decisions"),
    path("funding/", funding_views.open_funding, name="funding"),
    path(
        "<slug:locality>/publications.<opendata_format:fmt>",
        views.publications_export,
        name="publications_export",
    ),
    path(
        "<slug:locality>/directions.<opendata_format:fmt>", views.directions_export, name="directions_export"
    ),
    path("<slug:locality>/queue/<int:cohort>.<opendata_format:fmt>", views.queue_export, name="queue_export"),
    path("<slug:locality>/groups.<opendata_format:fmt>", views.groups_export, name="groups_export"),
    path("<slug:locality>/decisions.<opendata_format:fmt>", views.decisions_export, name="decisions_export"),
]
