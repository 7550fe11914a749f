from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kezek.core.admin import ReadOnlyAdmin
from kezek.core.errors import ValidationFailed
from kezek.core.phones import normalize_phone

from .models import FailedAttempt, PhoneCode


@admin.register(PhoneCode)
class PhoneCodeAdmin(ReadOnlyAdmin):
    """Read-only; the phone is shown masked and the code hash never. Search by the full phone number."""

    list_display = [
        "created_at",
        "purpose",
        "masked_phone",
        "subject",
        "attempts",
        "expires_at",
        "confirmed_at",
        "consumed_at",
        "ip",
    ]
    list_filter = ["purpose"]
    fields = readonly_fields = (
        "id",
        "purpose",
        "masked_phone",
        "subject",
        "created_at",
        "expires_at",
        "attempts",
        "confirmed_at",
        "consumed_at",
        "ip",
    )
    search_fields = ["=phone", "=subject"]
    ordering = ["-created_at"]
    show_full_result_count = False

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: PhoneCode) -> str:
        return obj.masked_phone

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PhoneCode], search_term: str
    ) -> tuple[QuerySet[PhoneCode], bool]:
        """A phone typed in any common spelling ("8 701 234 56 78") finds its codes."""
        try:
            return queryset.filter(phone=normalize_phone(search_term)), False
        except ValidationFailed:
            return super().get_search_results(request, queryset, search_term)


@admin.register(FailedAttempt)
class FailedAttemptAdmin(ReadOnlyAdmin):
    """Read-only; deleting a counter lifts a lockout. The key is an HMAC, not the IIN or IP."""

    list_display = ["short_key", "count", "first_at", "locked_until"]
    fields = readonly_fields = ("short_key", "count", "first_at", "locked_until")
    ordering = ["-first_at"]

    @admin.display(description=_("key hash"))
    def short_key(self, obj: FailedAttempt) -> str:
        return obj.key[:12]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super(ReadOnlyAdmin, self).has_delete_permission(request, obj)
