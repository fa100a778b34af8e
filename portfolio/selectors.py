"""Portfolio reads, shared by the pages and the API so they cannot drift apart."""

from django.db.models import Prefetch, QuerySet

from intake.models import ChangeRequest
from portfolio.models import Milestone, Project, StatusUpdate


def project_list() -> QuerySet[Project]:
    """Projects with their owner and sponsors; a constant number of queries whatever the page size."""
    return Project.objects.select_related("owner").prefetch_related("sponsors").order_by("code")


def project_detail_queryset() -> QuerySet[Project]:
    return project_list().prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "pk")),
        Prefetch("status_updates", queryset=StatusUpdate.objects.select_related("author").order_by("-created_at")),
        Prefetch("demands", queryset=ChangeRequest.objects.select_related("customer", "product").order_by("reference")),
    )


def project_by_code(*, code: str) -> Project | None:
    return project_detail_queryset().filter(code=code).first()


def project_open_choices() -> QuerySet[Project]:
    return Project.objects.exclude(status__in=("delivered", "cancelled")).order_by("code").only("pk", "code", "name")
