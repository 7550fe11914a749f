from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import LedgerEvent


@admin.register(LedgerEvent)
class LedgerEventAdmin(admin.ModelAdmin):
    """Read-only: the ledger is written only by `ledger_append`."""

    list_display = ["seq", "kind", "occurred_at", "subject_type", "subject_id", "locality_code", "short_hash"]
    list_filter = ["kind"]
    search_fields = ["=subject_id"]
    ordering = ["-seq"]
    show_full_result_count = False

    @admin.display(description="hash")
    def short_hash(self, obj: LedgerEvent) -> str:
        return obj.hash[:12]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
