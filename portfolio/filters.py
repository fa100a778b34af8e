from datetime import UTC

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from core.filters import SortKeysFilter
from intake.choices import Agenda
from portfolio.choices import Health, ProjectStatus
from portfolio.models import Project

BIGINT_MAX = 2**63 - 1

# The only sort keys a client may ask for (page and API alike); `-key` sorts descending.
PROJECT_ORDERING_FIELDS = (
    "code",
    "name",
    "status",
    "health",
    "approved_budget",
    "actual_spend",
    "expected_revenue",
    "realized_revenue",
    "progress",
    "target_date",
    "updated_at",
)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})
class IdFilter(django_filters.NumberFilter):
    """A whole-number id in the database's range: anything else is a 400, never a query error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, converted to UTC: the database never sees an exotic offset (PostgreSQL refuses
    offsets beyond ±15:59), and a time that leaves the calendar in UTC is a 400, not an overflow."""

    def to_python(self, value):  # type: ignore[no-untyped-def]
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError("Enter a time between the years 1 and 9999 in UTC.") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\x00]*$"})
class SearchFilter(django_filters.CharFilter):
    """Free text of at most 200 characters; a NUL byte is refused (400), as PostgreSQL cannot compare it."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)


class ProjectFilterSet(django_filters.FilterSet):
    """One set of filters, search and sort keys for the portfolio page and the API.

    Every ordering ends with `id`, so pages never repeat or skip a project; with `updated_since` and no
    explicit ordering, projects come in the order they changed, `(updated_at, id)`, for incremental pulls.
    """

    # Columns of the project row itself: no join, so no DISTINCT (django-filter adds one by default).
    # The portfolio page shows these four: labels in the reader's language.
    status = django_filters.MultipleChoiceFilter(choices=ProjectStatus.choices, distinct=False, label=_("Status"))
    health = django_filters.MultipleChoiceFilter(choices=Health.choices, distinct=False, label=_("Health"))
    agenda = django_filters.ChoiceFilter(choices=Agenda.choices, label=_("Agenda"))
    customer = IdFilter(field_name="sponsors", distinct=True, label="Customer id")
    owner = IdFilter(field_name="owner", label="Owner id")
    updated_since = UtcDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="Changed at or after (ISO 8601)"
    )
    search = SearchFilter(method="filter_search", label=_("Code or name contains"))
    ordering = SortKeysFilter(fields=PROJECT_ORDERING_FIELDS, label="Sort by")

    class Meta:
        model = Project
        fields = ["status", "health", "agenda", "customer", "owner", "updated_since", "search", "ordering"]

    def filter_search(self, queryset: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        value = value.strip()
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value)) if value else queryset

    def filter_queryset(self, queryset: QuerySet[Project]) -> QuerySet[Project]:
        queryset = super().filter_queryset(queryset)
        ordering = list(self.form.cleaned_data.get("ordering") or [])
        if not ordering:
            ordering = ["updated_at"] if self.form.cleaned_data.get("updated_since") else ["code"]
        return queryset.order_by(*ordering, "id")


class ProjectChangesFilterSet(ProjectFilterSet):
    """The list's filters for incremental pulls, whose order is fixed (`(updated_at, id)`): no `ordering`."""

    ordering = None  # type: ignore[assignment]

    class Meta:
        model = Project
        fields = ["status", "health", "agenda", "customer", "owner", "updated_since", "search"]
