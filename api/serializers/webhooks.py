"""Webhook endpoints and their deliveries as the API shows and takes them."""

from rest_framework import serializers

from api.models import WebhookDelivery, WebhookEvent
from common.languages import LANGUAGE_CHOICES


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    description = serializers.CharField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.values))
    language = serializers.CharField()
    reseller = serializers.IntegerField(source="reseller_id", allow_null=True,
                                        help_text="Null: the distributor's, for every offer.")
    created_at = serializers.DateTimeField()
    paused = serializers.BooleanField(source="is_paused")
    paused_at = serializers.DateTimeField(allow_null=True)
    pause_reason = serializers.CharField()
    consecutive_failures = serializers.IntegerField()
    last_success_at = serializers.DateTimeField(allow_null=True)


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="Signs every delivery; shown only now.")


class WebhookEndpointWriteSerializer(serializers.Serializer):
    url = serializers.CharField(required=False, max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.values),
                                   required=False, max_length=10)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    paused = serializers.BooleanField(required=False, help_text="false resumes a paused "
                                                                "endpoint.")


class WebhookEndpointCreateSerializer(WebhookEndpointWriteSerializer):
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.values),
                                   max_length=10)


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.IntegerField(source="event_id")
    type = serializers.CharField(source="event_type")
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.values)
    attempts = serializers.IntegerField()
    response_status = serializers.IntegerField(allow_null=True)
    response_excerpt = serializers.CharField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
