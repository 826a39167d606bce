"""Customers, installations, holdings and agreement periods: what the API shows, and the shape
of what it takes. The rules are the services' (customers/services.py); these only check types
and resolve ids through the user's scope (customers/access.py)."""

from rest_framework import serializers

from api.serializers.fields import IdField, PlausibleDateField, ScopedIdField
from common.languages import LANGUAGE_CHOICES
from customers import access
from customers.models import Deployment, LicenseType, PeriodSource

# --- what the API shows ----------------------------------------------------------------------


class ResellerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class CustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reseller = ResellerRefSerializer(read_only=True)
    name = serializers.CharField(read_only=True)
    org_number = serializers.CharField(read_only=True)
    contact_name = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    street = serializers.CharField(read_only=True)
    postal_code = serializers.CharField(read_only=True)
    city = serializers.CharField(read_only=True)
    language = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class InstallationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    name = serializers.CharField(read_only=True)
    deployment = serializers.CharField(read_only=True)
    hardware_model = serializers.CharField(read_only=True)
    firmware_version = serializers.CharField(read_only=True)
    serial_number = serializers.CharField(read_only=True)
    notes = serializers.CharField(read_only=True)
    paid_until = serializers.DateField(read_only=True, allow_null=True)


class HoldingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    installation = serializers.IntegerField(source="installation_id", read_only=True)
    license_type = serializers.CharField(source="license_type.code", read_only=True)
    license_name = serializers.CharField(source="license_type.name", read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    activated_on = serializers.DateField(read_only=True)
    ended_on = serializers.DateField(read_only=True, allow_null=True)
    rented = serializers.BooleanField(read_only=True)


class PeriodSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    installation = serializers.IntegerField(source="installation_id", read_only=True)
    start = serializers.DateField(read_only=True)
    end = serializers.DateField(read_only=True, help_text="The first month not included.")
    source = serializers.ChoiceField(choices=PeriodSource.choices, read_only=True)
    note = serializers.CharField(read_only=True)
    holdings = serializers.SerializerMethodField()

    def get_holdings(self, period) -> list[int]:
        return sorted(holding.pk for holding in period.holdings.all())


# --- what the API takes ----------------------------------------------------------------------

TEXT = {"required": False, "allow_blank": True, "trim_whitespace": False}


class CustomerWriteSerializer(serializers.Serializer):
    """Field lengths and formats are the model's, checked by the service (as on the pages)."""

    name = serializers.CharField(required=False)
    org_number = serializers.CharField(**TEXT)
    contact_name = serializers.CharField(**TEXT)
    email = serializers.CharField(**TEXT)
    phone = serializers.CharField(**TEXT)
    street = serializers.CharField(**TEXT)
    postal_code = serializers.CharField(**TEXT)
    city = serializers.CharField(**TEXT)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)


class CustomerCreateSerializer(CustomerWriteSerializer):
    name = serializers.CharField()
    reseller = ScopedIdField(access.resellers_for, required=False, allow_null=True,
                             help_text="Staff name the reseller; a reseller's own customers "
                                       "are always its own.")


class InstallationWriteSerializer(serializers.Serializer):
    name = serializers.CharField(required=False)
    deployment = serializers.ChoiceField(choices=Deployment.choices, required=False)
    hardware_model = serializers.CharField(**TEXT)
    firmware_version = serializers.CharField(**TEXT)
    serial_number = serializers.CharField(**TEXT)
    notes = serializers.CharField(**TEXT)


class InstallationCreateSerializer(InstallationWriteSerializer):
    customer = ScopedIdField(access.customers_for)
    name = serializers.CharField()


class LicenseTypeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=LicenseType.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 40:
            self.fail("invalid")
        return super().to_internal_value(data)


class HoldingWriteSerializer(serializers.Serializer):
    license_type = LicenseTypeField(required=False, help_text="The catalogue's code, e.g. port.")
    quantity = serializers.IntegerField(min_value=1, max_value=100_000, required=False)
    activated_on = PlausibleDateField(required=False)
    rented = serializers.BooleanField(required=False)


class HoldingCreateSerializer(HoldingWriteSerializer):
    installation = ScopedIdField(access.installations_for)
    license_type = LicenseTypeField(help_text="The catalogue's code, e.g. port.")
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    activated_on = PlausibleDateField()


class HoldingEndSerializer(serializers.Serializer):
    ended_on = PlausibleDateField(help_text="The first of the month from which they no longer "
                                            "exist.")
    keep = serializers.IntegerField(min_value=0, max_value=100_000, default=0,
                                    help_text="How many remain, as a new holding.")


class HoldingEndedSerializer(serializers.Serializer):
    ended = HoldingSerializer()
    remaining = HoldingSerializer(allow_null=True)


class PeriodWriteSerializer(serializers.Serializer):
    start = PlausibleDateField(required=False, help_text="The first of a month.")
    end = PlausibleDateField(required=False, help_text="The first of a month, not included.")
    holdings = serializers.ListField(child=ScopedIdField(access.holdings_for), required=False,
                                     max_length=1000)
    note = serializers.CharField(max_length=250, **TEXT)


class PeriodCreateSerializer(PeriodWriteSerializer):
    installation = ScopedIdField(access.installations_for)
    start = PlausibleDateField(help_text="The first of a month.")
    end = PlausibleDateField(help_text="The first of a month, not included.")
    holdings = serializers.ListField(child=ScopedIdField(access.holdings_for), max_length=1000)


# --- list filters ----------------------------------------------------------------------------


class CustomerFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=100, allow_blank=True,
                              help_text="Name, city or organisation number.")
    reseller = IdField(required=False)


class InstallationFilterSerializer(serializers.Serializer):
    customer = IdField(required=False)
    q = serializers.CharField(required=False, max_length=100, allow_blank=True,
                              help_text="Part of the installation's name.")
    deployment = serializers.ChoiceField(choices=Deployment.choices, required=False)


class ByInstallationFilterSerializer(serializers.Serializer):
    installation = IdField(required=False)
