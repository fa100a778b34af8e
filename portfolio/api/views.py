from rest_framework import viewsets

from portfolio.api.serializers import ProjectDetailSerializer, ProjectOutputSerializer
from portfolio.filters import ProjectFilterSet
from portfolio.selectors import project_detail_queryset, project_list


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """BT projects: filter, search, order, page; the detail adds milestones, the latest update and demands."""

    lookup_field = "code"
    filterset_class = ProjectFilterSet
    search_fields = ("code", "name")
    ordering_fields = ("code", "updated_at", "target_date", "approved_budget", "progress")
    ordering = ("code",)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return project_detail_queryset() if self.action == "retrieve" else project_list()

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return ProjectDetailSerializer if self.action == "retrieve" else ProjectOutputSerializer
