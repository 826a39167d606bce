"""The Django admin is for inspection: domain models are read-only here (writes go through the
services and their rules); the license catalogue, firmware releases and users stay editable."""

from django.contrib import admin

from customers.models import (
    AgreementPeriod,
    Customer,
    FirmwareRelease,
    Installation,
    LicenseHolding,
    LicenseType,
    Membership,
    Reseller,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reseller)
class ResellerAdmin(admin.ModelAdmin):
    list_display = ["name", "org_number", "email"]
    search_fields = ["name", "org_number"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "reseller"]
    list_select_related = ["user", "reseller"]
    autocomplete_fields = ["reseller"]


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["name", "org_number", "reseller", "city"]
    list_filter = ["reseller"]
    search_fields = ["name", "org_number"]


@admin.register(Installation)
class InstallationAdmin(ReadOnlyAdmin):
    list_display = ["name", "customer", "deployment", "hardware_model", "firmware_version"]
    list_filter = ["deployment"]
    search_fields = ["name", "customer__name"]


@admin.register(LicenseHolding)
class LicenseHoldingAdmin(ReadOnlyAdmin):
    list_display = ["installation", "license_type", "quantity", "activated_on", "ended_on",
                    "rented"]
    list_select_related = ["installation__customer", "license_type"]


@admin.register(AgreementPeriod)
class AgreementPeriodAdmin(ReadOnlyAdmin):
    list_display = ["installation", "start", "end", "source"]
    list_filter = ["source"]
    list_select_related = ["installation__customer"]


@admin.register(LicenseType)
class LicenseTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "covered", "pbx_attribute", "sort_order"]
    list_editable = ["covered", "sort_order"]


@admin.register(FirmwareRelease)
class FirmwareReleaseAdmin(admin.ModelAdmin):
    list_display = ["version", "released_on", "approximate"]
