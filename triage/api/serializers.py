from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from rest_framework import serializers

from core.api import BaseCurrencyField
from core.jsonvalues import datetime_text, decimal_text
from intake.api.serializers import DemandStatusField
from intake.choices import ScoreBand, ValueType
from intake.models import ChangeRequest, value_types_of


class ScoreComponentSerializer(serializers.Serializer):
    """One part of a score: its points, its normalized value, its weight and where it came from."""

    key = serializers.CharField(
        help_text="roi, revenue, savings, risk, breadth, urgency, strategic, penalty_..., adjustment (model v2)"
    )
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, popped by the metaclass
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    normalized = serializers.FloatField(allow_null=True)
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    explanation = serializers.CharField()


class ScoreOutputSerializer(serializers.Serializer):
    """A demand's latest score with every component: they add up to the total."""

    reference = serializers.CharField(source="change_request.reference")
    model_version = serializers.IntegerField(source="scoring_model.version")
    total = serializers.DecimalField(max_digits=5, decimal_places=2)
    band = serializers.ChoiceField(choices=ScoreBand.choices, read_only=True)
    is_provisional = serializers.BooleanField()
    it_cost = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="In `currency` (the base one).")
    currency = BaseCurrencyField()
    components = ScoreComponentSerializer(many=True)
    created_at = serializers.DateTimeField()


class QueueItemSerializer(serializers.ModelSerializer):
    """A demand as the queue lists it: its agenda, what its value is made of, and its score."""

    customer = serializers.CharField(source="customer.name", default=None, allow_null=True)
    customer_kind = serializers.CharField(source="customer.kind", default=None, allow_null=True)
    status = DemandStatusField()
    score_band = serializers.ChoiceField(
        choices=ScoreBand.choices, allow_blank=True, read_only=True, help_text="Empty until the demand is scored."
    )
    product = serializers.CharField(source="product.name")
    value_types = serializers.ListField(child=serializers.ChoiceField(choices=ValueType.choices), read_only=True)

    class Meta:
        model = ChangeRequest
        fields = [
            "reference",
            "title",
            "status",
            "agenda",
            "customer",
            "customer_kind",
            "product",
            "value_types",
            "revenue_at_stake",
            "yearly_savings",
            "risk_exposure_avoided",
            "currency",
            "score",
            "score_band",
            "created_at",
        ]


class QueueItemJson(TypedDict):
    """A queue row as QueueItemSerializer describes it (the schema), written by queue_list_json."""

    reference: str
    title: str
    status: str
    agenda: str
    customer: str | None
    customer_kind: str | None
    product: str
    value_types: list[str]
    revenue_at_stake: str
    yearly_savings: str
    risk_exposure_avoided: str
    currency: str
    score: str | None
    score_band: str
    created_at: str


def _places(name: str) -> int:
    return ChangeRequest._meta.get_field(name).decimal_places  # type: ignore[union-attr]


REVENUE_PLACES, SAVINGS_PLACES, RISK_PLACES, SCORE_PLACES = (
    _places(name) for name in ("revenue_at_stake", "yearly_savings", "risk_exposure_avoided", "score")
)


def queue_list_json(rows: Iterable[Mapping[str, Any]]) -> list[QueueItemJson]:
    """The queue's demands from `values()` rows (triage.selectors.queue.queue_rows): the bytes QueueItemSerializer
    wrote, without a serializer field per value (tests/triage/test_api_queue_rows.py holds the two together)."""
    return [
        {
            "reference": row["reference"],
            "title": row["title"],
            "status": row["status"],
            "agenda": row["agenda"],
            "customer": row["customer__name"],
            "customer_kind": row["customer__kind"],
            "product": row["product__name"],
            "value_types": value_types_of(
                revenue_at_stake=row["revenue_at_stake"],
                yearly_savings=row["yearly_savings"],
                risk_exposure_avoided=row["risk_exposure_avoided"],
            ),
            "revenue_at_stake": decimal_text(row["revenue_at_stake"], places=REVENUE_PLACES),
            "yearly_savings": decimal_text(row["yearly_savings"], places=SAVINGS_PLACES),
            "risk_exposure_avoided": decimal_text(row["risk_exposure_avoided"], places=RISK_PLACES),
            "currency": row["currency"],
            "score": decimal_text(row["score"], places=SCORE_PLACES),
            "score_band": row["score_band"],
            "created_at": datetime_text(row["created_at"]),
        }
        for row in rows
    ]
