"""Webhook endpoints and their deliveries (docs/API.md#webhooks), read through
`webhooks.endpoints_for` and written through the services of api/webhooks.py."""

from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from api import webhooks
from api.idempotency import KEY_PARAMETER, idempotent
from api.pagination import NewestFirstPagination
from api.serializers import webhooks as s
from api.views.base import ApiView, created, validated
from common.languages import offer_language

TAGS = ["webhooks"]


class WebhookList(ApiView):
    @extend_schema(tags=TAGS, responses=s.WebhookEndpointSerializer(many=True))
    def get(self, request):
        return self.page(webhooks.endpoints_for(request.user), s.WebhookEndpointSerializer)

    @extend_schema(tags=TAGS, request=s.WebhookEndpointCreateSerializer,
                   responses={201: s.WebhookEndpointCreatedSerializer},
                   parameters=[KEY_PARAMETER])
    @idempotent
    def post(self, request):
        """Register an endpoint: the response carries its signing secret, shown only now."""
        data = validated(s.WebhookEndpointCreateSerializer, request)
        endpoint, secret = webhooks.endpoint_create(
            user=request.user, url=data["url"], events=data["events"],
            description=data.get("description", ""),
            language=data.get("language") or offer_language(get_language()))
        endpoint.secret = secret
        return created(s.WebhookEndpointCreatedSerializer(endpoint).data,
                       f"/api/v1/webhooks/{endpoint.pk}/")


class WebhookDetail(ApiView):
    @extend_schema(tags=TAGS, responses=s.WebhookEndpointSerializer)
    def get(self, request, pk: int):
        endpoint = webhooks.get_endpoint_for_user(request.user, pk)
        return Response(s.WebhookEndpointSerializer(endpoint).data)

    @extend_schema(tags=TAGS, request=s.WebhookEndpointWriteSerializer,
                   responses=s.WebhookEndpointSerializer)
    def patch(self, request, pk: int):
        endpoint = webhooks.get_endpoint_for_user(request.user, pk)
        data = validated(s.WebhookEndpointWriteSerializer, request, partial=True)
        endpoint = webhooks.endpoint_update(endpoint=endpoint, **data)
        return Response(s.WebhookEndpointSerializer(endpoint).data)

    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request, pk: int):
        webhooks.endpoint_delete(endpoint=webhooks.get_endpoint_for_user(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveries(ApiView):
    pagination_class = NewestFirstPagination

    @extend_schema(tags=TAGS, responses=s.WebhookDeliverySerializer(many=True))
    def get(self, request, pk: int):
        """The endpoint's deliveries, newest first, with their status and response."""
        endpoint = webhooks.get_endpoint_for_user(request.user, pk)
        return self.page(endpoint.deliveries.all(), s.WebhookDeliverySerializer)
