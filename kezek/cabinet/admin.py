"""Requests to restore cabinet access in the admin: read-only records. Staff decide them on the desk or
through the staff API (`access_request_decide`), each decision with its written basis (D1): a bulk action
cannot carry one."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kezek.core.admin import ReadOnlyAdmin

from .models import AccessRequest


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "status", "registry_parent", "created_at", "decided_at"]
    list_filter = ["status", "registry_parent"]
    ordering = ["-pk"]
    exclude = ["child"]
    readonly_fields = ["child_applications"]

    @admin.display(description=_("applications of the child"))
    def child_applications(self, obj: AccessRequest) -> str:
        return ", ".join(str(pk) for pk in obj.child.applications.order_by("pk").values_list("pk", flat=True))
