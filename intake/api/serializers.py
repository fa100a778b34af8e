from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import roles
from core.api import MoneyAmountField
from intake.choices import Agenda, ChangeRequestKind, ChangeRequestStatus, Currency, ScoreBand, ValueType
from intake.models import SAVINGS_BOUNDS, SAVINGS_FIELDS, ChangeRequest, value_claim_errors
from intake.selectors import customer_for_email, product_list_active
from intake.services import Submission


@extend_schema_field(
    {"type": "string", "enum": ChangeRequestStatus.values, "description": "Where the demand stands."},
    component_name="DemandStatusEnum",
)
class DemandStatusField(serializers.ChoiceField):
    """A demand's status, its own schema component (a project's `status` is another choice set)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(choices=ChangeRequestStatus.choices, **kwargs)


class ChangeRequestInputSerializer(serializers.Serializer):
    """What an integration may file: the form's fields, nothing a client should not set (no status, no score)."""

    title = serializers.CharField(min_length=5, max_length=200)
    description = serializers.CharField(min_length=20, max_length=20_000)
    contact_name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField()
    product = serializers.PrimaryKeyRelatedField(queryset=product_list_active())
    kind = serializers.ChoiceField(choices=ChangeRequestKind.choices, default=ChangeRequestKind.CUSTOMIZATION)
    organization_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    business_justification = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    revenue_at_stake = MoneyAmountField(default=Decimal("0"))
    currency = serializers.ChoiceField(choices=Currency.choices, default=Currency.EUR)
    desired_date = serializers.DateField(required=False, allow_null=True, default=None)
    agenda = serializers.ChoiceField(choices=Agenda.choices, default=Agenda.BT)
    risk_shares_ip = serializers.BooleanField(default=False)
    risk_exclusive = serializers.BooleanField(default=False)
    risk_security = serializers.BooleanField(default=False)
    # What an internal business unit saves each year (in `currency`); an external client states revenue instead.
    hours_saved_per_year = serializers.DecimalField(
        max_digits=9, decimal_places=1, min_value=0, max_value=SAVINGS_BOUNDS["hours"], default=Decimal("0")
    )
    loaded_hourly_rate = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=0, max_value=SAVINGS_BOUNDS["rate"], default=Decimal("0")
    )
    licences_retired_per_year = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, max_value=SAVINGS_BOUNDS["amount"], default=Decimal("0")
    )
    transactions_per_year = serializers.IntegerField(min_value=0, max_value=int(SAVINGS_BOUNDS["volume"]), default=0)
    cost_per_transaction_before = serializers.DecimalField(
        max_digits=10, decimal_places=4, min_value=0, max_value=SAVINGS_BOUNDS["unit_cost"], default=Decimal("0")
    )
    cost_per_transaction_after = serializers.DecimalField(
        max_digits=10, decimal_places=4, min_value=0, max_value=SAVINGS_BOUNDS["unit_cost"], default=Decimal("0")
    )
    risk_exposure_avoided = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, max_value=SAVINGS_BOUNDS["amount"], default=Decimal("0")
    )

    def validate(self, attrs: dict) -> dict:
        """The form's rule (intake.models.value_claim_errors): internal units state savings, external clients revenue;
        a contact whose e-mail domain belongs to an internal unit files for the IT agenda whatever `agenda` says."""
        self.customer_matched = customer_for_email(attrs["contact_email"])
        if self.customer_matched is not None and self.customer_matched.is_internal:
            attrs["agenda"] = Agenda.IT
        errors = value_claim_errors(
            internal=attrs["agenda"] == Agenda.IT,
            revenue_at_stake=attrs["revenue_at_stake"],
            savings={name: attrs[name] for name in SAVINGS_FIELDS},
        )
        if errors:
            raise serializers.ValidationError({name: [str(message)] for name, message in errors.items()})
        return attrs

    def submission(self) -> Submission:
        return Submission(**self.validated_data, customer=self.customer_matched, customer_looked_up=True)


class ChangeRequestOutputSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.name")
    customer = serializers.CharField(
        source="customer.name",
        default=None,
        allow_null=True,
        read_only=True,
        help_text="The customer matched by the contact's e-mail domain; null when none matched.",
    )
    status = DemandStatusField()
    score_band = serializers.ChoiceField(
        choices=ScoreBand.choices, allow_blank=True, read_only=True, help_text="Empty until the demand is scored."
    )
    contact_name = serializers.CharField(
        allow_null=True, help_text="null unless the token's user may see contact details (docs/roles.md)."
    )
    contact_email = serializers.EmailField(
        allow_null=True, help_text="null unless the token's user may see contact details (docs/roles.md)."
    )
    customer_kind = serializers.CharField(
        source="customer.kind",
        default=None,
        allow_null=True,
        help_text="external or internal (a business unit); null when unmatched.",
    )
    value_types = serializers.ListField(
        child=serializers.ChoiceField(choices=ValueType.choices),
        read_only=True,
        help_text="What the demand's value is made of: revenue, savings, risk, or none.",
    )

    class Meta:
        model = ChangeRequest
        fields = [
            "reference",
            "title",
            "description",
            "kind",
            "product",
            "customer",
            "organization_name",
            "contact_name",
            "contact_email",
            "revenue_at_stake",
            "currency",
            "desired_date",
            "agenda",
            "customer_kind",
            "value_types",
            *SAVINGS_FIELDS,
            "yearly_savings",
            "risk_shares_ip",
            "risk_exclusive",
            "risk_security",
            "status",
            "score",
            "score_band",
            "score_is_provisional",
            "it_cost",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance: ChangeRequest) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not request.user.has_perm(roles.VIEW_CONTACT):
            data["contact_name"] = data["contact_email"] = None
        return data


class ChangeRequestCreatedSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = DemandStatusField()
    tracking_url = serializers.URLField()
