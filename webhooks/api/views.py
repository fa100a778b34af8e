"""Webhook endpoints through the API, for tokens of the `webhooks` scope: the staff page's actions, one service each."""

from typing import cast

from django.contrib.auth.models import User
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import WebhooksTokenPermission
from webhooks import selectors, services
from webhooks.api.serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointInputSerializer,
    WebhookEndpointSerializer,
    WebhookSecretSerializer,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint


def _actor(request: Request) -> User:
    """The token's user: WebhooksTokenPermission let only an active staff user through."""
    return cast(User, request.user)


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = selectors.webhook_endpoint_detail(endpoint_id=endpoint_id)
    if endpoint is None:
        raise Http404
    return endpoint


class WebhookEndpointListApi(APIView):
    permission_classes = [WebhooksTokenPermission]

    @extend_schema(operation_id="webhook_endpoints_list", responses={200: WebhookEndpointSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(WebhookEndpointSerializer(selectors.webhook_endpoint_list(), many=True).data)

    @extend_schema(
        operation_id="webhook_endpoint_create",
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookSecretSerializer},
    )
    def post(self, request: Request) -> Response:
        data = WebhookEndpointInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint, secret = services.webhook_endpoint_create(
            name=data.validated_data["name"],
            url=data.validated_data["url"],
            event_types=data.validated_data["events"],
            created_by=_actor(request),
        )
        body = {"endpoint": _endpoint(endpoint.pk), "secret": secret}
        return Response(WebhookSecretSerializer(body).data, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailApi(APIView):
    permission_classes = [WebhooksTokenPermission]

    @extend_schema(operation_id="webhook_endpoint_get", responses={200: WebhookEndpointSerializer})
    def get(self, request: Request, endpoint_id: int) -> Response:
        return Response(WebhookEndpointSerializer(_endpoint(endpoint_id)).data)


class WebhookEndpointPauseApi(APIView):
    permission_classes = [WebhooksTokenPermission]

    @extend_schema(operation_id="webhook_endpoint_pause", request=None, responses={200: WebhookEndpointSerializer})
    def post(self, request: Request, endpoint_id: int) -> Response:
        services.webhook_endpoint_pause(endpoint=_endpoint(endpoint_id), paused_by=_actor(request))
        return Response(WebhookEndpointSerializer(_endpoint(endpoint_id)).data)


class WebhookEndpointResumeApi(APIView):
    permission_classes = [WebhooksTokenPermission]

    @extend_schema(operation_id="webhook_endpoint_resume", request=None, responses={200: WebhookEndpointSerializer})
    def post(self, request: Request, endpoint_id: int) -> Response:
        services.webhook_endpoint_resume(endpoint=_endpoint(endpoint_id), resumed_by=_actor(request))
        return Response(WebhookEndpointSerializer(_endpoint(endpoint_id)).data)


class WebhookEndpointRotateSecretApi(APIView):
    permission_classes = [WebhooksTokenPermission]

    @extend_schema(
        operation_id="webhook_endpoint_rotate_secret", request=None, responses={200: WebhookSecretSerializer}
    )
    def post(self, request: Request, endpoint_id: int) -> Response:
        secret = services.webhook_endpoint_rotate_secret(endpoint=_endpoint(endpoint_id), rotated_by=_actor(request))
        return Response(WebhookSecretSerializer({"endpoint": _endpoint(endpoint_id), "secret": secret}).data)


class WebhookEndpointPingApi(APIView):
    permission_classes = [WebhooksTokenPermission]

    @extend_schema(operation_id="webhook_endpoint_ping", request=None, responses={202: WebhookDeliverySerializer})
    def post(self, request: Request, endpoint_id: int) -> Response:
        delivery = services.webhook_endpoint_ping(endpoint=_endpoint(endpoint_id), requested_by=_actor(request))
        body = WebhookDeliverySerializer(WebhookDelivery.objects.prefetch_related("attempts").get(pk=delivery.pk))
        return Response(body.data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryListApi(APIView):
    permission_classes = [WebhooksTokenPermission]

    @extend_schema(operation_id="webhook_deliveries_list", responses={200: WebhookDeliverySerializer(many=True)})
    def get(self, request: Request, endpoint_id: int) -> Response:
        deliveries = selectors.deliveries_with_attempts(endpoint=_endpoint(endpoint_id))[:100]
        return Response(WebhookDeliverySerializer(deliveries, many=True).data)


class WebhookRedeliverApi(APIView):
    permission_classes = [WebhooksTokenPermission]

    @extend_schema(operation_id="webhook_delivery_redeliver", request=None, responses={202: WebhookDeliverySerializer})
    def post(self, request: Request, endpoint_id: int, delivery_id: int) -> Response:
        delivery = WebhookDelivery.objects.filter(endpoint=_endpoint(endpoint_id), pk=delivery_id).first()
        if delivery is None:
            raise Http404
        services.webhook_delivery_redeliver(delivery=delivery, requested_by=_actor(request))
        again = WebhookDelivery.objects.prefetch_related("attempts").get(pk=delivery.pk)
        return Response(WebhookDeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)
