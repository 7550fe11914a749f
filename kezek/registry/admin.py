from django.contrib import admin
from django.http import HttpRequest

from .models import RegistryBenefit, RegistryKinship, RegistryPerson


@admin.register(RegistryPerson)
class RegistryPersonAdmin(admin.ModelAdmin):
    list_display = ["iin", "last_name", "first_name", "birth_date", "sex"]
    search_fields = ["=iin", "last_name"]
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: RegistryPerson | None = None) -> list[str]:
        """IIN and birth date never change once stored (I1; a database trigger refuses it)."""
        return ["iin", "birth_date"] if obj is not None else []


@admin.register(RegistryKinship)
class RegistryKinshipAdmin(admin.ModelAdmin):
    list_display = ["parent", "child"]
    raw_id_fields = ["parent", "child"]
    search_fields = ["=parent__iin", "=child__iin"]


@admin.register(RegistryBenefit)
class RegistryBenefitAdmin(admin.ModelAdmin):
    list_display = ["person", "category", "valid_from", "valid_to"]
    list_filter = ["category"]
    raw_id_fields = ["person"]
    search_fields = ["=person__iin"]
