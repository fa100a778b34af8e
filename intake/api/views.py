from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import roles
from core.permissions import HasTokenScope, StaffTokenPermission
from intake.api.serializers import (
    ChangeRequestCreatedSerializer,
    ChangeRequestInputSerializer,
    ChangeRequestOutputSerializer,
)
from intake.models import ChangeRequest
from intake.services import change_request_submit
from intake.tracking import tracking_url


class ChangeRequestCreateApi(APIView):
    """File a demand from an integration; an `Idempotency-Key` header makes retries safe."""

    permission_classes = [HasTokenScope]

    @extend_schema(
        request=ChangeRequestInputSerializer,
        responses={201: ChangeRequestCreatedSerializer, 200: ChangeRequestCreatedSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request: Request) -> Response:
        serializer = ChangeRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip()[:80] or None
        scoped_key = f"api:{request.auth.pk}:{key}" if key else None
        demand, raw_token, created = change_request_submit(
            submission=serializer.submission(), idempotency_key=scoped_key
        )
        body = ChangeRequestCreatedSerializer(
            {"reference": demand.reference, "status": demand.status, "tracking_url": tracking_url(raw_token)}
        ).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ChangeRequestDetailApi(generics.RetrieveAPIView):
    """A demand by reference, for tokens of staff whose role reads demands; contact details only if it may see them."""

    permission_classes = [StaffTokenPermission]
    required_permission = roles.VIEW_DEMAND
    serializer_class = ChangeRequestOutputSerializer
    lookup_field = "reference"
    queryset = ChangeRequest.objects.select_related("product", "customer")
