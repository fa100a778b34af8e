from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from core import roles
from core.api import StrictFilterBackend, error_responses
from core.permissions import StaffTokenPermission
from triage.api.serializers import QueueItemSerializer, ScoreOutputSerializer
from triage.filters import QueueApiFilterSet
from triage.selectors import change_request_queue
from triage.selectors.demand import assessment_latest_for_reference


class ScoreDetailApi(generics.GenericAPIView):
    """A demand's latest score, component by component (the demand page's breakdown), for staff tokens."""

    permission_classes = [StaffTokenPermission]
    required_permission = roles.VIEW_ASSESSMENT
    serializer_class = ScoreOutputSerializer
    pagination_class = None

    @extend_schema(responses={200: ScoreOutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request: Request, reference: str) -> Response:
        assessment = assessment_latest_for_reference(reference=reference)
        if assessment is None:
            raise Http404("No score for this demand.")
        return Response(ScoreOutputSerializer(assessment).data)


class QueueApi(generics.ListAPIView):
    """The triage queue, highest score first: filter by agenda, value type, band, status and kind."""

    permission_classes = [StaffTokenPermission]
    required_permission = roles.VIEW_ASSESSMENT
    serializer_class = QueueItemSerializer
    filterset_class = QueueApiFilterSet
    filter_backends = [StrictFilterBackend]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return change_request_queue()

    @extend_schema(responses={200: QueueItemSerializer(many=True), **error_responses(400, 401, 403, 404)})
    def get(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        return super().get(request, *args, **kwargs)
