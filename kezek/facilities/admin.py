from django.contrib import admin

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


class GroupInline(admin.TabularInline):
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
class GroupAdmin(admin.ModelAdmin):
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
