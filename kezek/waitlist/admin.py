"""The queue in the admin: read-only. Every change goes through the services, which write the ledger;
the staff back-office (its own pages) is where staff act."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kezek.core.admin import ReadOnlyAdmin
from kezek.core.masking import mask_iin, mask_name

from .models import Application, BenefitCategory, BenefitClaim, QueueSettings, StopListEntry


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "locality",
        "cohort",
        "tier",
        "status",
        "registered_at",
        "valid_until",
        "child_masked",
    ]
    list_filter = ["status", "tier", "locality"]
    search_fields = ["=id"]
    ordering = ["-pk"]
    show_full_result_count = False
    exclude = ["child", "applicant", "address"]
    readonly_fields = ["child_masked"]

    @admin.display(description=_("child"))
    def child_masked(self, obj: Application) -> str:
        return f"{mask_name(obj.child.last_name, obj.child.first_name)} ({mask_iin(obj.child.iin)})"


@admin.register(BenefitClaim)
class BenefitClaimAdmin(ReadOnlyAdmin):
    list_display = ["application_id", "category", "source", "status", "created_at", "decided_at"]
    list_filter = ["status", "source", "category"]


@admin.register(StopListEntry)
class StopListEntryAdmin(ReadOnlyAdmin):
    list_display = ["application_id", "reason", "since", "restore_on", "restored_at"]
    list_filter = ["reason"]


@admin.register(BenefitCategory)
class BenefitCategoryAdmin(admin.ModelAdmin[BenefitCategory]):
    """Categories are data (Q4): editable here."""

    list_display = ["code", "tier", "name_ru", "locality", "registry_code", "is_active"]
    list_filter = ["tier", "is_active"]


@admin.register(QueueSettings)
class QueueSettingsAdmin(ReadOnlyAdmin):
    """Changed only through `queue_settings_update`, which writes the public ledger event."""

    list_display = ["locality", "priority_ratio"]
