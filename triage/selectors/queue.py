"""The queue: its rows, its charts' aggregates and its CSV export."""

from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast, Floor, Least

from intake.choices import OPEN_STATUSES, ChangeRequestStatus, ValueType
from intake.models import VALUE_TYPE_CONDITIONS, ChangeRequest
from triage.choices import PIPELINE_ORDER
from triage.models import QueuePreference


def change_request_queue() -> QuerySet[ChangeRequest]:
    """Every demand with what a queue row shows, in one query."""
    return ChangeRequest.objects.select_related("customer", "product", "owner").order_by("-score", "-created_at")


# A queue row's columns, for the API list written from `values()` (triage.api.serializers.queue_list_json).
QUEUE_ROW_COLUMNS = (
    "reference",
    "title",
    "status",
    "agenda",
    "customer__name",
    "customer__kind",
    "product__name",
    "revenue_at_stake",
    "yearly_savings",
    "risk_exposure_avoided",
    "currency",
    "score",
    "score_band",
    "created_at",
)


def queue_rows(*, queryset: QuerySet[ChangeRequest]) -> QuerySet[ChangeRequest, dict[str, Any]]:
    """The queue's demands (filtered, sorted) as dicts of what an API row shows."""
    return queryset.values(*QUEUE_ROW_COLUMNS)


BUBBLE_LIMIT = 150
# How far "Decide & next" looks along the current view for the demand after this one.
NEXT_LOOKAHEAD = 1_000


def queue_charts_collapsed(*, user: Any) -> bool:
    """Whether this person collapsed the queue's charts (shown until they do)."""
    return QueuePreference.objects.filter(user=user, charts_collapsed=True).exists()


def queue_next_reference(*, queryset: QuerySet[ChangeRequest], current: ChangeRequest) -> str | None:
    """The demand after `current` in a view of the queue (its filters and sort), or the view's first if `current`
    is not in it; None at the end. Read before deciding: a decided demand may leave an open-only view."""
    references = list(queryset.values_list("reference", flat=True)[:NEXT_LOOKAHEAD])
    position = references.index(current.reference) + 1 if current.reference in references else 0
    following = references[position:]
    return next((reference for reference in following if reference != current.reference), None)


def queue_charts(*, queryset: QuerySet[ChangeRequest]) -> dict:
    """Everything the queue's charts draw, as SQL aggregates over the filtered queryset.

    Two queries whatever the queue's size: the bubble chart shows the open demands with the most revenue at
    stake (at most BUBBLE_LIMIT); every other number comes from one GROUP BY over (status, agenda, score
    bucket), summed here. The filter is then evaluated once: a text search matching a tenth of a million
    demands reads the whole table, and one aggregate per chart read it three times (issue 22, docs/benchmarks.md).
    """
    queryset = queryset.order_by()
    bubbles = list(
        queryset.filter(status__in=OPEN_STATUSES, value_total__isnull=False)
        .order_by("-value_total", "pk")
        .values("reference", "title", "value_total", "it_cost", "score", "score_band", "customers_asking")[
            :BUBBLE_LIMIT
        ]
    )
    groups: list[dict[str, Any]] = [
        dict(row)
        for row in queryset.annotate(
            # No bucket without a score (PostgreSQL's LEAST skips a NULL: it would land in the last one).
            bucket=Case(
                When(score__isnull=False, then=Least(Cast(Floor(F("score") / Value(10)), IntegerField()), Value(9))),
                output_field=IntegerField(),
            )
        )
        .values("status", "agenda", "bucket")
        .annotate(
            demands=Count("pk"),
            approved_cost=Sum("it_cost", filter=Q(status=ChangeRequestStatus.APPROVED)),
            # Counted in the same statement: a demand with two types of value counts under both.
            **{f"value_{kind}": Count("pk", filter=condition) for kind, condition in VALUE_TYPE_CONDITIONS.items()},
        )
    ]
    histogram = [0] * 10
    by_status: dict[str, int] = {}
    agenda_demands: dict[str, int] = {}
    agenda_cost: dict[str, Decimal] = {}
    for row in groups:
        if row["bucket"] in range(10):  # a demand without a score is in no bucket
            histogram[row["bucket"]] += row["demands"]
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["demands"]
        agenda_demands[row["agenda"]] = agenda_demands.get(row["agenda"], 0) + row["demands"]
        agenda_cost[row["agenda"]] = agenda_cost.get(row["agenda"], Decimal("0")) + (row["approved_cost"] or 0)
    return {
        "bubbles": bubbles,
        "histogram": histogram,
        "funnel": [(status, ChangeRequestStatus(status).label, by_status.get(status, 0)) for status in PIPELINE_ORDER],
        "agenda": {
            agenda: {"demands": agenda_demands.get(agenda, 0), "approved_cost": agenda_cost.get(agenda, Decimal("0"))}
            for agenda in ("bt", "it")
        },
        "value_types": [
            (kind.value, kind.label, sum(row[f"value_{kind.value}"] for row in groups)) for kind in ValueType
        ],
    }


QUEUE_EXPORT_COLUMNS = (
    ("reference", "Reference"),
    ("title", "Title"),
    ("customer__name", "Customer"),
    ("product__name", "Product"),
    ("kind", "Kind"),
    ("agenda", "Agenda"),
    ("status", "Status"),
    ("revenue_at_stake", "Revenue at stake"),
    ("currency", "Currency"),
    ("value_total", "Value incl. linked (EUR)"),
    ("it_cost", "IT cost (EUR)"),
    ("score", "Score"),
    ("score_band", "Band"),
    ("score_is_provisional", "Provisional"),
    ("customers_asking", "Customers asking"),
    ("desired_date", "Desired date"),
    ("created_at", "Filed"),
)


def change_request_export_rows(*, queryset: QuerySet[ChangeRequest]):  # type: ignore[no-untyped-def]
    """The filtered queue as plain tuples, read in chunks (a server-side cursor on PostgreSQL)."""
    return queryset.values_list(*(name for name, _ in QUEUE_EXPORT_COLUMNS)).iterator(chunk_size=5000)
