from django.contrib import admin
from django.http import HttpRequest

from .models import BaseFee, EducationDepartment, Group, Locality, Organisation, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_kk"]
    search_fields = ["code", "name_ru", "name_kk"]


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_kk", "kind", "region"]
    list_filter = ["region", "kind"]
    search_fields = ["code", "name_ru", "name_kk"]


@admin.register(EducationDepartment)
class EducationDepartmentAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "locality", "phone", "email"]
    search_fields = ["name_ru", "name_kk"]


class BaseFeeInline(admin.TabularInline):
    model = BaseFee
    extra = 0


class ReadOnlyAdminMixin:
    """Groups are opened, changed and closed in the back-office only (`kezek.facilities.services`), where
    each change — capacity above all: it decides the free seats (P1) — is a ledger event. The admin shows
    them and changes nothing."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class GroupInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Group
    extra = 0
    fields = ["name", "age_from", "age_to", "language", "kind", "capacity", "academic_year", "is_active"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "bin", "locality", "kind", "ownership", "is_active"]
    list_filter = ["locality", "kind", "ownership", "is_active"]
    search_fields = ["name_ru", "name_kk", "bin", "address"]
    list_select_related = ["locality"]
    inlines = [BaseFeeInline, GroupInline]


@admin.register(Group)
class GroupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "age_from",
        "age_to",
        "language",
        "kind",
        "capacity",
        "academic_year",
    ]
    list_filter = ["language", "kind", "academic_year", "organisation__locality"]
    search_fields = ["name", "organisation__name_ru"]
    list_select_related = ["organisation"]
    raw_id_fields = ["organisation"]
