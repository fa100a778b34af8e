"""Saved views of the queue as a reader sees them: theirs and the shared ones, which is their default, the counts."""

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, QueryDict

from intake.models import ChangeRequest
from triage.filters import queue_filterset_for
from triage.models import SavedView, SavedViewDefault


def saved_views_visible(*, user: User) -> QuerySet[SavedView]:
    """The reader's own views and those shared with the team, each marked `is_default` for the reader (one query)."""
    return (
        SavedView.objects.filter(Q(owner=user) | Q(is_shared=True))
        .select_related("owner")
        .annotate(is_default=Exists(SavedViewDefault.objects.filter(user=user, view=OuterRef("pk"))))
        .order_by("name", "pk")
    )


def saved_view_counts(*, views: list[SavedView], request: HttpRequest) -> dict[int, int]:
    """How many demands each view shows, all in one query (one filtered COUNT per view), whatever their number."""
    counts = {}
    for view in views:
        filterset = queue_filterset_for(QueryDict(view.query), queryset=ChangeRequest.objects.all(), request=request)
        if filterset.is_valid():
            counts[f"view_{view.pk}"] = Count("pk", filter=Q(pk__in=filterset.qs.order_by().values("pk")))
    if not counts:
        return {}
    return {int(key.removeprefix("view_")): value for key, value in ChangeRequest.objects.aggregate(**counts).items()}
