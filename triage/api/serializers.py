from rest_framework import serializers

from core.api import BaseCurrencyField
from intake.api.serializers import DemandStatusField
from intake.choices import ScoreBand, ValueType
from intake.models import ChangeRequest


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
