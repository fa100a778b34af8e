from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import roles
from core.api import CONDITIONAL, IF_NONE_MATCH, idempotency_key_from, request_fingerprint
from core.permissions import HasTokenScope, StaffTokenPermission
from intake.api.serializers import (
    ChangeRequestCreatedSerializer,
    ChangeRequestInputSerializer,
    ChangeRequestOutputSerializer,
)
from intake.choices import ChangeRequestStatus
from intake.models import ChangeRequest
from intake.services import change_request_submit
from intake.tracking import tracking_url


class ChangeRequestCreateApi(APIView):
    """File a demand from an integration; an `Idempotency-Key` header makes retries safe."""

    permission_classes = [HasTokenScope]

    @extend_schema(
        operation_id="request_create",
        summary="File a demand",
        request=ChangeRequestInputSerializer,
        examples=[
            OpenApiExample(
                "A CRM files an integration demand",
                request_only=True,
                value={
                    "title": "Export invoices to SAP",
                    "description": "Every night, export all invoices of the day to our SAP system as IDocs.",
                    "contact_name": "Maria Rossi",
                    "contact_email": "maria@contoso.example",
                    "product": 1,
                    "kind": "integration",
                    "revenue_at_stake": "120000.00",
                    "currency": "EUR",
                },
            ),
            OpenApiExample(
                "Filed",
                response_only=True,
                status_codes=["201", "200"],
                value={
                    "reference": "CR-2026-00019",
                    "status": ChangeRequestStatus.SUBMITTED,
                    "tracking_url": "https://demanddesk.example/track/a64ff354caaec7c6de32fadce6ce9e93/",
                },
            ),
        ],
        responses={
            201: OpenApiResponse(ChangeRequestCreatedSerializer, description="Filed now."),
            200: OpenApiResponse(
                ChangeRequestCreatedSerializer,
                description="A replay of an `Idempotency-Key` (same token, same body, within 24 hours): the first "
                "demand, unchanged, with `Idempotent-Replayed: true`.",
            ),
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="1 to 255 characters, per token, kept 24 hours: a retry with the same key and body "
                "returns the first demand (200); another body is a 409 `idempotency_key_reused`; an older key a "
                "422 `idempotency_key_expired`. Longer keys are a 400, never cut.",
            )
        ],
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_from(request)  # a bad key is refused before the body is even looked at
        serializer = ChangeRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        demand, raw_token, created = change_request_submit(
            submission=serializer.submission(),
            idempotency_key=key,
            request_fingerprint=request_fingerprint(request) if key else "",
        )
        body = ChangeRequestCreatedSerializer(
            {"reference": demand.reference, "status": demand.status, "tracking_url": tracking_url(raw_token)}
        ).data
        if created:
            return Response(body, status=status.HTTP_201_CREATED)
        return Response(body, status=status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"})


@extend_schema_view(
    get=extend_schema(
        operation_id="request_get",
        summary="One demand by reference (staff tokens)",
        parameters=[IF_NONE_MATCH],
        responses={200: ChangeRequestOutputSerializer, **CONDITIONAL},
    )
)
class ChangeRequestDetailApi(generics.RetrieveAPIView):
    """A demand by reference, for tokens of staff whose role reads demands; contact details only if it may see them."""

    permission_classes = [StaffTokenPermission]
    required_permission = roles.VIEW_DEMAND
    serializer_class = ChangeRequestOutputSerializer
    lookup_field = "reference"
    queryset = ChangeRequest.objects.select_related("product", "customer")
