"""Requests to restore cabinet access in the admin: read-only records; staff decide them with the actions
(or the staff API), which go through `access_request_decide` (ledger events, SMS)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kezek.core.admin import ReadOnlyAdmin
from kezek.core.errors import DomainError

from . import services
from .models import AccessRequest

REJECTION_REASON = _("The document does not prove that you are the child's parent or guardian.")


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "status", "registry_parent", "created_at", "decided_at"]
    list_filter = ["status", "registry_parent"]
    ordering = ["-pk"]
    exclude = ["child"]
    readonly_fields = ["child_applications"]
    actions = ["approve", "reject"]

    @admin.display(description=_("applications of the child"))
    def child_applications(self, obj: AccessRequest) -> str:
        return ", ".join(str(pk) for pk in obj.child.applications.order_by("pk").values_list("pk", flat=True))

    def _decide(self, request: HttpRequest, queryset: QuerySet[AccessRequest], *, approve: bool) -> None:
        for access_request in queryset:
            try:
                decided = services.access_request_decide(
                    request=access_request,
                    approve=approve,
                    by_staff=request.user,  # type: ignore[arg-type]  # the admin lets only staff in
                    reason="" if approve else str(REJECTION_REASON),
                )
            except DomainError as exc:
                message = _("Request No. %(number)s: %(error)s") % {
                    "number": access_request.pk,
                    "error": exc.message,
                }
                self.message_user(request, message, messages.ERROR)
            else:
                message = _("Request No. %(number)s: %(status)s.") % {
                    "number": decided.pk,
                    "status": decided.get_status_display(),
                }
                self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Approve: move the child's applications to the requester's cabinet"))
    def approve(self, request: HttpRequest, queryset: QuerySet[AccessRequest]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("Reject: the document does not prove the right"))
    def reject(self, request: HttpRequest, queryset: QuerySet[AccessRequest]) -> None:
        self._decide(request, queryset, approve=False)
