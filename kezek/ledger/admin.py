from django.contrib import admin

from kezek.core.admin import ReadOnlyAdmin

from .models import LedgerEvent


@admin.register(LedgerEvent)
class LedgerEventAdmin(ReadOnlyAdmin):
    """Read-only: the ledger is written only by `ledger_append`."""

    list_display = ["seq", "kind", "occurred_at", "subject_type", "subject_id", "locality_code", "short_hash"]
    list_filter = ["kind"]
    search_fields = ["=subject_id"]
    ordering = ["-seq"]
    show_full_result_count = False

    @admin.display(description="hash")
    def short_hash(self, obj: LedgerEvent) -> str:
        return obj.hash[:12]
