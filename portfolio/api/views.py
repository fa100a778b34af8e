from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Max, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from core import roles
from core.api import CONDITIONAL, IF_NONE_MATCH, StrictFilterBackend, ValuesRowsList, error_responses
from core.etag import ETagMixin, conditional_response, data_version
from core.pagination import ChangesCursorPagination
from core.permissions import StaffTokenPermission
from intake.models import Product
from portfolio.api.serializers import (
    ExposureRegisterSerializer,
    HandoverSerializer,
    PortfolioSummarySerializer,
    ProjectChangeSerializer,
    ProjectDetailSerializer,
    ProjectJson,
    ProjectOutputSerializer,
    ServiceOutputSerializer,
    UnitCostInputSerializer,
    UnitCostOutputSerializer,
    project_list_json,
)
from portfolio.exposure import exposure_register, exposure_register_fingerprint, handover_list
from portfolio.filters import ProjectChangesFilterSet, ProjectFilterSet
from portfolio.models import PROJECTS_DATA_VERSION, UnitCostRecord
from portfolio.selectors import (
    portfolio_summary,
    project_detail_queryset,
    project_list,
    project_rows,
    project_sponsors,
    service_list,
    service_unit_costs,
)
from portfolio.services import UnitCostRefusal, unit_cost_record

READ_ERRORS = error_responses(400, 401, 403)


@extend_schema_view(
    list=extend_schema(
        operation_id="projects_list",
        summary="List BT projects",
        parameters=[IF_NONE_MATCH],
        responses={200: ProjectOutputSerializer(many=True), **CONDITIONAL, **READ_ERRORS, **error_responses(404)},
    ),
    retrieve=extend_schema(
        operation_id="project_get",
        summary="One BT project, with milestones, its latest update and its demands",
        parameters=[IF_NONE_MATCH],
        responses={200: ProjectDetailSerializer, **CONDITIONAL, **READ_ERRORS, **error_responses(404)},
    ),
)
class ProjectViewSet(ETagMixin, ValuesRowsList, viewsets.ReadOnlyModelViewSet):
    """BT projects: filter, search, order, page; the detail adds milestones, the latest update and demands."""

    lookup_field = "code"
    # Anything that cannot be a code is the API's JSON 404 (config/api_urls.py), never a database error.
    lookup_value_regex = "[A-Za-z0-9-]{1,12}"
    filterset_class = ProjectFilterSet
    filter_backends = [StrictFilterBackend]  # search and ordering are part of the FilterSet, as on the page
    # The list's tag is the projects' data version (portfolio/migrations/0004), a 304 costs one read.
    list_data_version = PROJECTS_DATA_VERSION
    # A detail's tag also moves when a linked demand or a sponsor changes.
    retrieve_etag_aggregates = {
        "demands_latest": Max("demands__updated_at"),
        "sponsors_latest": Max("sponsors__updated_at"),
    }

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return project_detail_queryset() if self.action == "retrieve" else project_list()

    def list_rows(self, queryset: QuerySet) -> QuerySet:
        return project_rows(projects=queryset)

    def rows_json(self, rows: list[dict[str, Any]]) -> list[ProjectJson]:
        return project_list_json(rows, sponsors=project_sponsors(project_ids=[row["id"] for row in rows]))

    @extend_schema(
        operation_id="projects_changes",
        summary="Projects in the order they changed, resumed from a cursor (incremental pulls)",
        description="Rows come in `(updated_at, id)` order, strictly after the `cursor` given; keep `next_cursor` "
        "and send it back next time. Nothing is missed nor repeated while others write; rows changed in the last "
        "few seconds wait for the next pull. The list's filters apply; the order is fixed.",
        responses={200: ProjectChangeSerializer(many=True)},
    )
    @action(
        detail=False,
        url_path="changes",
        pagination_class=ChangesCursorPagination,
        filterset_class=ProjectChangesFilterSet,
    )
    def changes(self, request: Request, format: str | None = None) -> Response:  # DRF names the suffix `format`
        # The incremental pull's rows are the list's (ValuesRowsList), under its own cursor pagination.
        page = self.paginate_queryset(self.list_rows(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(self.rows_json(page or []))

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return {"retrieve": ProjectDetailSerializer, "changes": ProjectChangeSerializer}.get(
            self.action, ProjectOutputSerializer
        )


class PortfolioSummaryApi(generics.GenericAPIView):
    """Counts and money by status, health and agenda, for the projects the same filters select."""

    filterset_class = ProjectFilterSet
    filter_backends = [StrictFilterBackend]
    pagination_class = None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return project_list()

    @extend_schema(
        operation_id="portfolio_summary",
        summary="Counts and money by status, health and agenda",
        # The same filters as the project list (one FilterSet); drf-spectacular lists filters only for lists.
        filters=True,
        parameters=[IF_NONE_MATCH],
        responses={200: PortfolioSummarySerializer, **CONDITIONAL, **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        version = data_version(ProjectViewSet.list_data_version)  # read before the rows it vouches for
        projects = self.filter_queryset(self.get_queryset())
        return conditional_response(
            request,
            {"version": version},
            lambda: Response(PortfolioSummarySerializer(portfolio_summary(projects=projects)).data),
        )


UNIT_COST_EXAMPLE = {
    "period": "2026-10-01",
    "cost_per_unit": "2.3150",
    "currency": "EUR",
    "units": 184000,
    "note": "Batch jobs moved to the new cluster.",
}
SERVICES_EXAMPLE = OpenApiExample(
    "The catalogue",
    response_only=True,
    value={
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": 3,
                "name": "Billing",
                "product_manager": "amelie",
                "unit_of_work": "invoice issued",
                "latest_unit_cost": "2.3150",
                "currency": "EUR",
                "latest_period": "2026-10-01",
            }
        ],
    },
)


class ServiceListApi(ETagMixin, generics.ListAPIView):
    """The services catalogue: each service's manager, unit of work and latest cost per unit."""

    serializer_class = ServiceOutputSerializer
    # A service's row, plus the cost months recorded for it (recording a month again moves `recorded_at`).
    list_etag_aggregates = {"cost_months": Count("unit_costs"), "cost_recorded_latest": Max("unit_costs__recorded_at")}

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return service_list()

    @extend_schema(
        operation_id="services_list",
        summary="The services catalogue, with each service's latest cost per unit",
        parameters=[IF_NONE_MATCH],
        examples=[SERVICES_EXAMPLE],
        responses={200: ServiceOutputSerializer(many=True), **CONDITIONAL, **READ_ERRORS, **error_responses(404)},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        return super().get(request, *args, **kwargs)


class UnitCostApi(generics.GenericAPIView):
    """A service's cost per unit month by month (GET); its production team records a month (POST)."""

    permission_classes = [StaffTokenPermission]
    pagination_class = None
    serializer_class = UnitCostOutputSerializer
    queryset = UnitCostRecord.objects.none()  # the schema's model; the history is read by its selector

    @property
    def required_permission(self) -> str:
        return roles.VIEW_PROJECT if self.request.method in SAFE_METHODS else roles.RECORD_UNIT_COST

    def _service(self, service_id: str) -> Product:
        if not service_id.isdigit() or len(service_id) > 18:
            raise Http404("No such service.")
        service = service_list().filter(pk=int(service_id)).first()
        if service is None:
            raise Http404("No such service.")
        return service

    @extend_schema(
        operation_id="service_unit_costs_list",
        summary="A service's cost per unit, month by month (staff tokens)",
        parameters=[IF_NONE_MATCH],
        examples=[OpenApiExample("Two months", response_only=True, value=[UNIT_COST_EXAMPLE, UNIT_COST_EXAMPLE])],
        responses={200: UnitCostOutputSerializer(many=True), **CONDITIONAL, **READ_ERRORS, **error_responses(404)},
    )
    def get(self, request: Request, service_id: str) -> Response:
        service = self._service(service_id)  # an unknown service is a 404, even for `If-None-Match: *`
        history = service_unit_costs(service_ids=[service.pk])
        # A month recorded again replaces its row and moves its `recorded_at`: count and newest cover every change.
        fingerprint = history.order_by().aggregate(rows=Count("pk"), latest=Max("recorded_at"))
        return conditional_response(
            request, fingerprint, lambda: Response(UnitCostOutputSerializer(history, many=True).data)
        )

    @extend_schema(
        operation_id="service_unit_cost_record",
        summary="Record a service's cost per unit for a month (a month again replaces it)",
        request=UnitCostInputSerializer,
        examples=[
            OpenApiExample(
                "October's cost, in US dollars",
                request_only=True,
                value={"period": "2026-10", "cost_per_unit": "2.50", "currency": "USD", "units": 184000},
            ),
            OpenApiExample("Recorded", response_only=True, status_codes=["201"], value=UNIT_COST_EXAMPLE),
        ],
        responses={201: UnitCostOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, service_id: str) -> Response:
        service = self._service(service_id)
        serializer = UnitCostInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        assert isinstance(user, User)  # StaffTokenPermission let only an active staff user through
        try:
            record = unit_cost_record(service=service, recorded_by=user, **serializer.validated_data)
        except UnitCostRefusal as refusal:
            raise ValidationError({refusal.field or "non_field_errors": [refusal.message]}) from None
        return Response(UnitCostOutputSerializer(record).data, status=status.HTTP_201_CREATED)


class HandoverListApi(generics.ListAPIView):
    """Every handover to a partner, newest first; `?project=BT-0001` for one project's."""

    permission_classes = [StaffTokenPermission]
    required_permission = roles.VIEW_PARTNERS
    serializer_class = HandoverSerializer
    filter_backends: list = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        handovers = handover_list()
        project = self.request.query_params.get("project")
        return handovers.filter(project__code=project) if project else handovers

    @extend_schema(
        operation_id="handovers_list",
        summary="Handovers to partners, newest first (staff tokens)",
        parameters=[
            OpenApiParameter("project", str, description="A project's code: only its handovers."),
            IF_NONE_MATCH,
        ],
        responses={200: HandoverSerializer(many=True), **CONDITIONAL, **READ_ERRORS, **error_responses(404)},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        # Handovers are append-only: how many and the newest id are the whole fingerprint.
        fingerprint = self.get_queryset().order_by().aggregate(rows=Count("pk"), newest=Max("pk"))
        return conditional_response(request, fingerprint, lambda: super(HandoverListApi, self).get(request))


class ExposureRegisterApi(generics.GenericAPIView):
    """The exposure register: per partner and component, likely competitors holding core IP, expiring agreements."""

    permission_classes = [StaffTokenPermission]
    required_permission = roles.VIEW_PARTNERS
    serializer_class = ExposureRegisterSerializer
    pagination_class = None

    @extend_schema(
        operation_id="exposure_register_get",
        summary="The exposure register: what each partner holds, and the agreements expiring soon (staff tokens)",
        parameters=[IF_NONE_MATCH],
        responses={200: ExposureRegisterSerializer, **CONDITIONAL, **READ_ERRORS, **error_responses(404)},
    )
    def get(self, request: Request) -> Response:
        return conditional_response(
            request,
            exposure_register_fingerprint(),
            lambda: Response(ExposureRegisterSerializer(exposure_register()).data),
        )
