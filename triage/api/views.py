from typing import Any

from django.db.models import Max, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from core import roles
from core.api import CONDITIONAL, IF_NONE_MATCH, StrictFilterBackend, ValuesRowsList, error_responses
from core.etag import ETagMixin, conditional_response
from core.permissions import StaffTokenPermission
from intake.choices import Agenda, ChangeRequestStatus, Currency, ScoreBand, ValueType
from triage.api.serializers import QueueItemJson, QueueItemSerializer, ScoreOutputSerializer, queue_list_json
from triage.filters import QueueApiFilterSet
from triage.selectors import change_request_queue
from triage.selectors.demand import assessment_latest_for_reference
from triage.selectors.queue import queue_rows

SCORE_EXAMPLE = OpenApiExample(
    "A demand scored by model v2",
    response_only=True,
    value={
        "reference": "CR-2026-00019",
        "model_version": 2,
        "total": "73.97",
        "band": ScoreBand.FAST_TRACK,
        "is_provisional": True,
        "it_cost": "50000.00",
        "currency": "EUR",
        "components": [
            {
                "key": "roi",
                "label": "Return on IT cost",
                "points": "40.00",
                "normalized": 1.0,
                "weight": "40.00",
                "explanation": "value 1,215,000 against IT cost 50,000 (35 days × 1,000 + 5,000/year × 3.0 years): "
                "ROI 23.30",
            }
        ],
        "created_at": "2026-12-04T21:58:40.546422Z",
    },
)
QUEUE_EXAMPLE = OpenApiExample(
    "The top of the queue",
    response_only=True,
    value={
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "reference": "CR-2026-00019",
                "title": "Deflect password-reset calls to self-service",
                "status": ChangeRequestStatus.SCORED,
                "agenda": Agenda.IT,
                "customer": "Customer Service",
                "customer_kind": "internal",
                "product": "Patient Portal",
                "value_types": [ValueType.SAVINGS],
                "revenue_at_stake": "0.00",
                "yearly_savings": "405000.00",
                "risk_exposure_avoided": "0.00",
                "currency": Currency.EUR,
                "score": "73.97",
                "score_band": ScoreBand.FAST_TRACK,
                "created_at": "2026-12-04T21:58:39.161071Z",
            }
        ],
    },
)


class ScoreDetailApi(generics.GenericAPIView):
    """A demand's latest score, component by component (the demand page's breakdown), for staff tokens."""

    permission_classes = [StaffTokenPermission]
    required_permission = roles.VIEW_ASSESSMENT
    serializer_class = ScoreOutputSerializer
    pagination_class = None

    @extend_schema(
        operation_id="request_score_get",
        summary="A demand's latest score, component by component (staff tokens)",
        parameters=[IF_NONE_MATCH],
        examples=[SCORE_EXAMPLE],
        responses={200: ScoreOutputSerializer, **CONDITIONAL, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, reference: str) -> Response:
        assessment = assessment_latest_for_reference(reference=reference)
        if assessment is None:  # a demand without a score is a 404, even for `If-None-Match: *`
            raise Http404("No score for this demand.")
        # An assessment is never changed (rescoring adds one): its id is the whole fingerprint.
        return conditional_response(
            request, {"assessment": assessment.pk}, lambda: Response(ScoreOutputSerializer(assessment).data)
        )


class QueueApi(ETagMixin, ValuesRowsList, generics.ListAPIView):
    """The triage queue, highest score first: filter by agenda, value type, band, status and kind."""

    permission_classes = [StaffTokenPermission]
    required_permission = roles.VIEW_ASSESSMENT
    serializer_class = QueueItemSerializer
    filterset_class = QueueApiFilterSet
    filter_backends = [StrictFilterBackend]
    # The rows' count and newest change, plus what a row shows of other rows; rescoring moves `scored_at`.
    list_etag_aggregates = {
        "scored_latest": Max("scored_at"),
        "customers_latest": Max("customer__updated_at"),
        "products_latest": Max("product__updated_at"),
    }

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return change_request_queue()

    def list_rows(self, queryset: QuerySet) -> QuerySet:
        return queue_rows(queryset=queryset)

    def rows_json(self, rows: list[dict[str, Any]]) -> list[QueueItemJson]:
        return queue_list_json(rows)

    @extend_schema(
        operation_id="queue_list",
        summary="The triage queue, highest score first (staff tokens)",
        parameters=[IF_NONE_MATCH],
        examples=[QUEUE_EXAMPLE],
        responses={200: QueueItemSerializer(many=True), **CONDITIONAL, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        return super().get(request, *args, **kwargs)
