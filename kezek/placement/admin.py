"""Medical indications in the admin: read-only, so staff find the pending ones and open their documents;
decisions go through `medical_indication_decide` (the staff API), which writes the ledger."""

from django.contrib import admin

from kezek.core.admin import ReadOnlyAdmin

from .models import MedicalIndication


@admin.register(MedicalIndication)
class MedicalIndicationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "application_id", "status", "issued_on", "valid_until", "created_at", "decided_at"]
    list_filter = ["status"]
    ordering = ["-pk"]
    exclude = ["child", "application"]
