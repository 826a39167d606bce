"""The shapes of the renewals worklist and the PBX import (api/views/renewals.py)."""

from rest_framework import serializers

from api.serializers.fields import money
from customers.imports import pbx


class EstimateSerializer(serializers.Serializer):
    ssc = serializers.IntegerField()
    net = money()

    def to_representation(self, instance):
        ssc, net = instance
        return super().to_representation({"ssc": ssc, "net": net})


class RenewalRowSerializer(serializers.Serializer):
    installation = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.name")
    reseller = serializers.CharField(source="customer.reseller.name")
    paid_until = serializers.DateField(allow_null=True)
    months_lapsed = serializers.IntegerField()
    never_under_agreement = serializers.SerializerMethodField()
    window_end = serializers.DateField()
    renewal_end = serializers.DateField(help_text="The end every renewal offer runs to.")
    estimate = EstimateSerializer(allow_null=True, help_text="SSC and NOK (excl. VAT) of "
                                  "renewing it, priced today; null when it cannot be priced.")
    renewal_exists = serializers.BooleanField(help_text="Renewed for this window already.")
    renewal_offer = serializers.IntegerField(source="renewal_quote_id", allow_null=True)
    open_offer = serializers.IntegerField(source="open_offer_id", allow_null=True)
    open_offer_number = serializers.CharField(allow_null=True)

    def get_never_under_agreement(self, row) -> bool:
        return row.paid_until is None


class PbxUploadSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=200, allow_empty_file=True,
                                 help_text="mod_cmd_login.xml?cmd=show&user=* saved as a file.")
    location = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                     trim_whitespace=False,
                                     help_text="The PBX location that is this installation; "
                                               "by default the one named like it.")
    port = serializers.IntegerField(required=False, min_value=0, max_value=pbx.MAX_QUANTITY,
                                    help_text="Port licenses, if not the number of users.")


class LocationSerializer(serializers.Serializer):
    name = serializers.CharField()
    users = serializers.IntegerField()


class DiffLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    current = serializers.IntegerField()
    new = serializers.IntegerField()
    change = serializers.IntegerField()


class NotMappedSerializer(serializers.Serializer):
    attribute = serializers.CharField()
    users = serializers.IntegerField()


class PbxDryRunSerializer(serializers.Serializer):
    file = serializers.CharField()
    users = serializers.IntegerField()
    locations = LocationSerializer(many=True)
    location = serializers.CharField(allow_null=True, help_text="Null: several locations; "
                                     "upload again naming `location`.")
    lines = DiffLineSerializer(many=True, help_text="Per license type: held now → counted.")
    not_mapped = NotMappedSerializer(many=True)
    plan = serializers.CharField(allow_null=True, help_text="Signed; valid for 24 hours.")


class PbxApplySerializer(serializers.Serializer):
    plan = serializers.CharField(max_length=20_000)


class PbxAppliedSerializer(serializers.Serializer):
    changes = DiffLineSerializer(many=True)
