from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import BaseCurrencyField
from core.jsonvalues import date_text, datetime_text, decimal_text
from core.money import base_currency
from intake.api.serializers import DemandStatusField
from intake.choices import Currency
from partners.api.serializers import DEPTH_HELP, AgreementSerializer, ComponentRefSerializer, PartnerRefSerializer
from portfolio.choices import ProjectStatus
from portfolio.exposure import ComponentExposure, ComponentHolders, PartnerExposure
from portfolio.models import Handover, Milestone, Project, StatusUpdate, share_of
from portfolio.selectors import SponsorRef


@extend_schema_field(
    {"type": "string", "enum": ProjectStatus.values, "description": "Where the project stands."},
    component_name="ProjectStatusEnum",
)
class ProjectStatusField(serializers.ChoiceField):
    """Its own schema component: a demand's `status` is another choice set under the same field name."""

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(choices=ProjectStatus.choices, **kwargs)


class CustomerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProjectOutputSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField()
    currency = BaseCurrencyField()
    sponsors = CustomerRefSerializer(many=True)
    status = ProjectStatusField(read_only=True)
    budget_burn = serializers.DecimalField(
        max_digits=30, decimal_places=2, allow_null=True, help_text="Actual spend over approved budget (1 = all)."
    )
    revenue_realization = serializers.DecimalField(
        max_digits=30,
        decimal_places=2,
        allow_null=True,
        help_text="Realized revenue over expected revenue (1 = all of it); null when nothing is expected.",
    )

    class Meta:
        model = Project
        fields = [
            "code",
            "name",
            "owner",
            "agenda",
            "status",
            "health",
            "approved_budget",
            "actual_spend",
            "budget_burn",
            "start_date",
            "target_date",
            "expected_revenue",
            "realized_revenue",
            "currency",
            "realized_savings",
            "target_unit_cost",
            "revenue_realization",
            "progress",
            "sponsors",
            "created_at",
            "updated_at",
        ]

    def get_owner(self, project: Project) -> str | None:
        return project.owner.get_username() if project.owner else None


class ProjectJson(TypedDict):
    """A project of the list, as ProjectOutputSerializer describes it (the schema) and used to write it."""

    code: str
    name: str
    owner: str | None
    agenda: str
    status: str
    health: str
    approved_budget: str
    actual_spend: str
    budget_burn: str | None
    start_date: str | None
    target_date: str | None
    expected_revenue: str
    realized_revenue: str
    currency: str
    realized_savings: str
    target_unit_cost: str | None
    revenue_realization: str | None
    progress: int
    sponsors: list[SponsorRef]
    created_at: str
    updated_at: str


def _places(name: str) -> int:
    return Project._meta.get_field(name).decimal_places  # type: ignore[union-attr]


MONEY_PLACES, UNIT_COST_PLACES, SHARE_PLACES = _places("approved_budget"), _places("target_unit_cost"), 2


def project_list_json(
    rows: Iterable[Mapping[str, Any]], *, sponsors: Mapping[int, list[SponsorRef]]
) -> list[ProjectJson]:
    """The list's projects from `values()` rows (portfolio.selectors.project_rows): the bytes ProjectOutputSerializer
    wrote, without a serializer field per value (50 rows × 21 fields were two thirds of the list's time, issue 22).
    tests/portfolio/test_api_project_rows.py holds the two to the same output."""
    currency = base_currency()
    return [
        {
            "code": row["code"],
            "name": row["name"],
            "owner": row["owner__username"],
            "agenda": row["agenda"],
            "status": row["status"],
            "health": row["health"],
            "approved_budget": decimal_text(row["approved_budget"], places=MONEY_PLACES),
            "actual_spend": decimal_text(row["actual_spend"], places=MONEY_PLACES),
            "budget_burn": decimal_text(share_of(row["actual_spend"], row["approved_budget"]), places=SHARE_PLACES),
            "start_date": date_text(row["start_date"]),
            "target_date": date_text(row["target_date"]),
            "expected_revenue": decimal_text(row["expected_revenue"], places=MONEY_PLACES),
            "realized_revenue": decimal_text(row["realized_revenue"], places=MONEY_PLACES),
            "currency": currency,
            "realized_savings": decimal_text(row["realized_savings"], places=MONEY_PLACES),
            "target_unit_cost": decimal_text(row["target_unit_cost"], places=UNIT_COST_PLACES),
            "revenue_realization": decimal_text(
                share_of(row["realized_revenue"], row["expected_revenue"]), places=SHARE_PLACES
            ),
            "progress": row["progress"],
            "sponsors": sponsors.get(row["id"], []),
            "created_at": datetime_text(row["created_at"]),
            "updated_at": datetime_text(row["updated_at"]),
        }
        for row in rows
    ]


class ProjectChangeSerializer(ProjectOutputSerializer):
    """A project as the incremental pull sends it: the list's fields (a schema component of its own, so the
    cursor page is not confused with the numbered page)."""


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["name", "due_date", "done_date"]


class StatusUpdateSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = StatusUpdate
        fields = ["health", "note", "author", "created_at"]

    def get_author(self, update: StatusUpdate) -> str | None:
        return update.author.get_username() if update.author else None


class DemandRefSerializer(serializers.Serializer):
    reference = serializers.CharField()
    title = serializers.CharField()
    status = DemandStatusField()
    customer = serializers.CharField(source="customer.name", default=None, allow_null=True)


class ProjectDetailSerializer(ProjectOutputSerializer):
    milestones = MilestoneSerializer(many=True)
    latest_update = serializers.SerializerMethodField()
    demands = DemandRefSerializer(many=True)

    class Meta(ProjectOutputSerializer.Meta):
        fields = [*ProjectOutputSerializer.Meta.fields, "milestones", "latest_update", "demands"]

    @extend_schema_field(StatusUpdateSerializer(allow_null=True))
    def get_latest_update(self, project: Project) -> dict | None:
        updates = list(project.status_updates.all())  # prefetched, newest first
        return StatusUpdateSerializer(updates[0]).data if updates else None


class SummaryTotalSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    currency = BaseCurrencyField()
    approved_budget = serializers.DecimalField(max_digits=30, decimal_places=2)
    actual_spend = serializers.DecimalField(max_digits=30, decimal_places=2)
    expected_revenue = serializers.DecimalField(max_digits=30, decimal_places=2)
    realized_revenue = serializers.DecimalField(
        max_digits=30, decimal_places=2, help_text="The sum of the projects' monthly revenue records."
    )


class SummaryGroupSerializer(SummaryTotalSerializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a serializer field named like a Field attribute (label, fields): the API's names


class PortfolioSummarySerializer(serializers.Serializer):
    total = SummaryTotalSerializer()
    by_status = SummaryGroupSerializer(many=True)
    by_health = SummaryGroupSerializer(many=True)
    by_agenda = SummaryGroupSerializer(many=True)


class ServiceOutputSerializer(serializers.Serializer):
    """A service of the catalogue: its manager, unit of work and latest cost per unit (base currency)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    product_manager = serializers.CharField(source="product_manager.username", default=None, allow_null=True)
    unit_of_work = serializers.CharField()
    latest_unit_cost = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        allow_null=True,
        help_text="In `currency`; a rate per unit of work keeps four decimals (as a project's `target_unit_cost`).",
    )
    currency = BaseCurrencyField()
    latest_period = serializers.DateField(allow_null=True)


class UnitCostOutputSerializer(serializers.Serializer):
    """What one unit of the service's work cost in a month, in the base currency."""

    period = serializers.DateField(help_text="The month (its first day).")
    cost_per_unit = serializers.DecimalField(
        max_digits=12, decimal_places=4, help_text="In `currency`; a rate per unit of work keeps four decimals."
    )
    currency = BaseCurrencyField()
    units = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()


class UnitCostInputSerializer(serializers.Serializer):
    """A month's cost per unit, in any accepted currency (converted to the base one); a month again replaces it."""

    period = serializers.DateField(input_formats=["%Y-%m", "%Y-%m-%d"], help_text="YYYY-MM, or any day of the month.")
    cost_per_unit = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0, max_value=100000)
    currency = serializers.ChoiceField(choices=Currency.choices, default=settings.BASE_CURRENCY)
    units = serializers.IntegerField(min_value=0, max_value=10**12, required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=1_000, required=False, allow_blank=True, default="")


class HandoverSerializer(serializers.ModelSerializer):
    """What a project handed over to a partner; `is_exception` marks one outside the signed plan the CIO accepted."""

    project = serializers.CharField(source="project.code")
    reference = serializers.CharField(source="change_request.reference", help_text="The demand whose plan it follows.")
    component = ComponentRefSerializer()
    depth = serializers.IntegerField(min_value=1, max_value=5, help_text=DEPTH_HELP)
    partner = PartnerRefSerializer()
    agreement = AgreementSerializer()
    recorded_by = serializers.CharField(source="recorded_by.username", default=None, allow_null=True)
    exception_by = serializers.CharField(source="exception_by.username", default=None, allow_null=True)

    class Meta:
        model = Handover
        fields = [
            "id",
            "project",
            "reference",
            "component",
            "depth",
            "partner",
            "agreement",
            "handed_over_on",
            "recipient",
            "note",
            "is_exception",
            "exception_reason",
            "exception_by",
            "recorded_by",
            "created_at",
        ]


class ComponentExposureSerializer(serializers.Serializer):
    component = serializers.SerializerMethodField()
    product = serializers.CharField(source="product_name")
    depth = serializers.IntegerField(help_text="The deepest handed over. " + DEPTH_HELP)
    handovers = serializers.IntegerField()
    exceptions = serializers.IntegerField()
    last_handed_over_on = serializers.DateField()

    @extend_schema_field(ComponentRefSerializer)
    def get_component(self, exposure: ComponentExposure) -> dict:
        return {"id": exposure.component_id, "name": exposure.component_name, "is_core_ip": exposure.is_core_ip}


class PartnerExposureSerializer(serializers.Serializer):
    partner = serializers.SerializerMethodField()
    handovers = serializers.IntegerField()
    exceptions = serializers.IntegerField()
    deepest = serializers.IntegerField(help_text=DEPTH_HELP)
    components = ComponentExposureSerializer(many=True, help_text="Core IP first, then deepest first.")

    @extend_schema_field(PartnerRefSerializer)
    def get_partner(self, exposure: PartnerExposure) -> dict:
        return {"id": exposure.partner_id, "name": exposure.name, "competitor_risk": exposure.competitor_risk}


class ComponentHolderSerializer(serializers.Serializer):
    partner = serializers.SerializerMethodField()
    depth = serializers.IntegerField(help_text="The deepest this partner holds. " + DEPTH_HELP)

    @extend_schema_field(PartnerRefSerializer)
    def get_partner(self, exposure: ComponentExposure) -> dict:
        return {"id": exposure.partner_id, "name": exposure.partner_name, "competitor_risk": exposure.competitor_risk}


class ComponentHoldersSerializer(serializers.Serializer):
    component = serializers.SerializerMethodField()
    product = serializers.CharField(source="product_name")
    deepest = serializers.IntegerField(help_text=DEPTH_HELP)
    holders = ComponentHolderSerializer(many=True, help_text="Deepest first.")

    @extend_schema_field(ComponentRefSerializer)
    def get_component(self, item: ComponentHolders) -> dict:
        return {"id": item.component_id, "name": item.name, "is_core_ip": item.is_core_ip}


class ExpiringAgreementSerializer(AgreementSerializer):
    partner = PartnerRefSerializer()
    days_left = serializers.IntegerField()

    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "partner", "days_left"]


class ExposureRegisterSerializer(serializers.Serializer):
    """The portfolio's exposure register (the page's three parts), built from the recorded handovers."""

    by_partner = PartnerExposureSerializer(many=True)
    by_component = ComponentHoldersSerializer(many=True, help_text="Core IP first, then deepest first.")
    competitors_with_core_ip = serializers.SerializerMethodField(
        help_text="The ids of partners rated likely competitors that hold core IP."
    )
    agreements_expiring = ExpiringAgreementSerializer(many=True, help_text="In force, expiring within the window.")
    expiry_notice_days = serializers.IntegerField()
    today = serializers.DateField()

    def get_competitors_with_core_ip(self, register: dict) -> list[int]:
        return [partner.partner_id for partner in register["competitors_with_core_ip"]]
