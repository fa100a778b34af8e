"""The partner register and the disclosure plans as the API shows them to staff tokens (never to customers).

Choice fields are plain strings with their values listed in the description (the webhooks' payloads use the same
values): `kind` or `status` enums already name other choice sets in the schema.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partners.models import Agreement, DisclosureItem, DisclosurePlan, Partner, PlanSignOff
from partners.selectors import sign_off_counts

DEPTH_HELP = (
    "How deeply, least to most: 1 interface specification, 2 binaries, 3 source under escrow, 4 source read-only, "
    "5 source with modification rights."
)


class AgreementSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text="nda, licence or source_escrow.")

    class Meta:
        model = Agreement
        fields = ["id", "kind", "reference", "starts_on", "expires_on"]


class PartnerRefSerializer(serializers.ModelSerializer):
    competitor_risk = serializers.CharField(help_text="low, medium or high (a likely competitor).")

    class Meta:
        model = Partner
        fields = ["id", "name", "competitor_risk"]


class PartnerSerializer(PartnerRefSerializer):
    relationship = serializers.CharField(
        help_text="reseller, integrator, joint_venture (state-required), technology, subcontractor or other."
    )
    agreements = AgreementSerializer(many=True, help_text="Soonest expiry first.")

    class Meta(PartnerRefSerializer.Meta):
        fields = [
            *PartnerRefSerializer.Meta.fields,
            "country",
            "relationship",
            "competitor_risk_reason",
            "is_active",
            "agreements",
        ]


class ComponentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_core_ip = serializers.BooleanField()


class DisclosureItemSerializer(serializers.ModelSerializer):
    component = ComponentRefSerializer()
    depth = serializers.IntegerField(min_value=1, max_value=5, help_text=DEPTH_HELP)

    class Meta:
        model = DisclosureItem
        fields = ["component", "depth"]


class PlanSignOffSerializer(serializers.ModelSerializer):
    outcome = serializers.CharField(help_text="signed_off or refused.")
    decided_by = serializers.CharField(source="decided_by.username", default=None, allow_null=True)
    decided_at = serializers.DateTimeField(source="created_at")
    content_hash = serializers.CharField(help_text="The plan's content when it was decided.")

    class Meta:
        model = PlanSignOff
        fields = ["outcome", "reason", "decided_by", "decided_at", "content_hash"]


class DisclosurePlanSerializer(serializers.ModelSerializer):
    """One version of a demand's plan; the highest version is the plan in force."""

    partner = PartnerRefSerializer()
    agreement = AgreementSerializer(allow_null=True, help_text="null: no agreement covers the plan.")
    items = DisclosureItemSerializer(many=True, help_text="Deepest first.")
    proposed_by = serializers.CharField(source="proposed_by.username", default=None, allow_null=True)
    proposed_at = serializers.DateTimeField(source="created_at")
    sign_off = serializers.SerializerMethodField()
    signed_off_in_force = serializers.SerializerMethodField(
        help_text="Signed off at exactly this content (a later change voids a sign-off)."
    )

    class Meta:
        model = DisclosurePlan
        fields = [
            "version",
            "partner",
            "agreement",
            "items",
            "note",
            "proposed_by",
            "proposed_at",
            "content_hash",
            "sign_off",
            "signed_off_in_force",
        ]

    @extend_schema_field(PlanSignOffSerializer(allow_null=True))
    def get_sign_off(self, plan: DisclosurePlan) -> dict | None:
        sign_off = _sign_off(plan)
        return PlanSignOffSerializer(sign_off).data if sign_off else None

    def get_signed_off_in_force(self, plan: DisclosurePlan) -> bool:
        return sign_off_counts(plan)


def _sign_off(plan: DisclosurePlan) -> PlanSignOff | None:
    try:
        return plan.sign_off
    except PlanSignOff.DoesNotExist:
        return None
