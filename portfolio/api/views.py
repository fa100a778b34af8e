from django.db.models import Max
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import StrictFilterBackend, error_responses
from core.etag import ETagMixin, conditional_response, data_version
from core.pagination import ChangesCursorPagination
from portfolio.api.serializers import (
    PortfolioSummarySerializer,
    ProjectChangeSerializer,
    ProjectDetailSerializer,
    ProjectOutputSerializer,
)
from portfolio.filters import ProjectChangesFilterSet, ProjectFilterSet
from portfolio.selectors import portfolio_summary, project_detail_queryset, project_list

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The `ETag` of your last answer: 304 with no body when nothing changed.",
)
CONDITIONAL = {304: None}
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
class ProjectViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet):
    """BT projects: filter, search, order, page; the detail adds milestones, the latest update and demands."""

    lookup_field = "code"
    # Anything that cannot be a code is the API's JSON 404 (config/api_urls.py), never a database error.
    lookup_value_regex = "[A-Za-z0-9-]{1,12}"
    filterset_class = ProjectFilterSet
    filter_backends = [StrictFilterBackend]  # search and ordering are part of the FilterSet, as on the page
    # The list's tag is the projects' data version (portfolio/migrations/0004), a 304 costs one read.
    list_data_version = "projects"
    # A detail's tag also moves when a linked demand or a sponsor changes.
    retrieve_etag_aggregates = {
        "demands_latest": Max("demands__updated_at"),
        "sponsors_latest": Max("sponsors__updated_at"),
    }

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return project_detail_queryset() if self.action == "retrieve" else project_list()

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
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

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
