"""The partner register and a demand's disclosure plans, read with a staff token (docs/api.md, *Partners*)."""

from django.db.models import Count, Max
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from core import roles
from core.api import CONDITIONAL, IF_NONE_MATCH, error_responses
from core.etag import ETagMixin, conditional_response, queryset_fingerprint
from core.permissions import StaffTokenPermission
from intake.models import ChangeRequest
from partners.api.serializers import DisclosurePlanSerializer, PartnerSerializer
from partners.models import DisclosurePlan
from partners.selectors import disclosure_plan_history, partner_list


class PartnerListApi(ETagMixin, generics.ListAPIView):
    """Every partner with its agreements, by name."""

    permission_classes = [StaffTokenPermission]
    required_permission = roles.VIEW_PARTNERS
    serializer_class = PartnerSerializer
    filter_backends: list = []
    # The partners' rows, and the agreements each shows (an agreement added or changed moves the tag).
    list_etag_aggregates = {"agreement_rows": Count("agreements"), "agreements_latest": Max("agreements__updated_at")}

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return partner_list()

    @extend_schema(
        operation_id="partners_list",
        summary="The partner register: each partner with its agreements (staff tokens)",
        parameters=[IF_NONE_MATCH],
        responses={200: PartnerSerializer(many=True), **CONDITIONAL, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        return super().get(request, *args, **kwargs)


class DisclosurePlanListApi(generics.GenericAPIView):
    """Every version of a demand's disclosure plan, newest first, with its items and sign-off."""

    permission_classes = [StaffTokenPermission]
    required_permission = roles.VIEW_PARTNERS
    serializer_class = DisclosurePlanSerializer
    pagination_class = None
    queryset = DisclosurePlan.objects.none()  # the schema's model; the versions are read by their selector

    @extend_schema(
        operation_id="request_disclosure_plans_list",
        summary="A demand's disclosure plan, every version newest first, with its sign-off (staff tokens)",
        parameters=[IF_NONE_MATCH],
        responses={200: DisclosurePlanSerializer(many=True), **CONDITIONAL, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, reference: str) -> Response:
        change_request_id = ChangeRequest.objects.filter(reference=reference).values_list("pk", flat=True).first()
        if change_request_id is None:
            raise Http404("No such demand.")
        # A version is never changed (a change is a new version); its sign-off, partner or agreement may be.
        fingerprint = queryset_fingerprint(
            DisclosurePlan.objects.filter(change_request_id=change_request_id),
            decided=Count("sign_off"),
            partner_latest=Max("partner__updated_at"),
            agreement_latest=Max("agreement__updated_at"),
        )
        return conditional_response(
            request,
            fingerprint,
            lambda: Response(DisclosurePlanSerializer(disclosure_plan_history(change_request_id), many=True).data),
        )
