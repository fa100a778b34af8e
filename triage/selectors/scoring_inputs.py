"""What scoring reads: the active model, the latest estimate, linked parties and the product's defaults."""

from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.money import sum_to_base, to_base
from intake.models import ChangeRequest, Product, ProductKindDefault, SimilarDemand
from triage import scoring
from triage.models import (
    CostEstimate,
    ScoringModel,
)


def scoring_model_active() -> ScoringModel:
    """The one active model; v1 with DESIGN.md's defaults is created by a migration."""
    return ScoringModel.objects.get(is_active=True)


def cost_estimate_latest(*, change_request: ChangeRequest) -> CostEstimate | None:
    return CostEstimate.objects.filter(change_request=change_request).order_by("-created_at", "-pk").first()


SCORING_DEMAND_FIELDS = (
    "pk",
    "product_id",
    "kind",
    "customer_id",
    "customer__tier",
    "revenue_at_stake",
    "yearly_savings",
    "risk_exposure_avoided",
    "currency",
    "desired_date",
    "risk_shares_ip",
    "risk_exclusive",
    "risk_security",
)


def _linked_parties(demand_ids: list[int] | QuerySet) -> tuple[dict[int, set[int]], dict[int, dict]]:
    """The demands triage linked as the same need (either direction), and what each party brings.

    One query whatever the links: both sides' revenue, currency and customer come with the pair, so a
    linked demand outside `demand_ids` (decided, say) needs no second read.
    """
    groups: dict[int, set[int]] = {}
    parties: dict[int, dict] = {}
    pairs = (
        SimilarDemand.objects.filter(is_linked=True)
        .filter(Q(change_request_id__in=demand_ids) | Q(similar_to_id__in=demand_ids))
        .values_list(
            "change_request_id",
            "change_request__revenue_at_stake",
            "change_request__currency",
            "change_request__customer_id",
            "similar_to_id",
            "similar_to__revenue_at_stake",
            "similar_to__currency",
            "similar_to__customer_id",
        )
    )
    for left, left_revenue, left_currency, left_customer, right, right_revenue, right_currency, right_customer in pairs:
        groups.setdefault(left, set()).add(right)
        groups.setdefault(right, set()).add(left)
        parties[left] = {
            "pk": left,
            "revenue_at_stake": left_revenue,
            "currency": left_currency,
            "customer_id": left_customer,
        }
        parties[right] = {
            "pk": right,
            "revenue_at_stake": right_revenue,
            "currency": right_currency,
            "customer_id": right_customer,
        }
    return groups, parties


def _latest_estimates(demand_ids: list[int] | QuerySet) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    latest: dict[int, tuple[Decimal, Decimal, Decimal]] = {}
    rows = (
        CostEstimate.objects.filter(change_request_id__in=demand_ids)
        .order_by("change_request_id", "-created_at", "-pk")
        .values_list("change_request_id", "effort_days", "day_rate", "yearly_run_cost")
    )
    for change_request_id, effort, day_rate, run_cost in rows:
        latest.setdefault(change_request_id, (effort, day_rate, run_cost))
    return latest


def _product_defaults() -> tuple[dict[int, tuple[Decimal, Decimal, Decimal]], dict[tuple[int, str], tuple]]:
    """Products and their per-kind cost defaults: small catalogue tables, read whole."""
    products = {
        pk: (rate, effort, run_cost)
        for pk, rate, effort, run_cost in Product.objects.values_list(
            "pk", "default_day_rate", "default_effort_days", "default_yearly_run_cost"
        )
    }
    kind_defaults = {
        (product_id, kind): (effort, run_cost)
        for product_id, kind, effort, run_cost in ProductKindDefault.objects.values_list(
            "product_id", "kind", "effort_days", "yearly_run_cost"
        )
    }
    return products, kind_defaults


def scoring_inputs_for_rows(
    demands: dict[int, dict], demand_ids: list[int] | QuerySet
) -> dict[int, scoring.ScoringInputs]:
    """Each demand's scoring inputs from its row (SCORING_DEMAND_FIELDS), in four more queries.

    `demand_ids` selects the same demands as `demands` (a list of ids, or a subquery when there are
    too many ids to send). Revenue and breadth include linked similar demands (savings and risk are the
    demand's own); cost is the latest analyst
    estimate, else the product's default for the demand's kind (then the inputs are marked provisional).
    """
    groups, parties = _linked_parties(demand_ids)
    estimates = _latest_estimates(demand_ids)
    products, kind_defaults = _product_defaults()
    today = timezone.localdate()
    no_links: set[int] = set()

    inputs = {}
    for pk, demand in demands.items():
        group = [demand, *(parties[other] for other in groups.get(pk, no_links))]
        value = sum_to_base((row["revenue_at_stake"], row["currency"]) for row in group)
        askers = {row["customer_id"] or f"unmatched-{row['pk']}" for row in group}
        if pk in estimates:
            effort, day_rate, run_cost = estimates[pk]
        else:
            day_rate, effort, run_cost = products[demand["product_id"]]
            effort, run_cost = kind_defaults.get((demand["product_id"], demand["kind"]), (effort, run_cost))
        inputs[pk] = scoring.ScoringInputs(
            value=value,
            effort_days=Decimal(effort),
            day_rate=Decimal(day_rate),
            yearly_run_cost=Decimal(run_cost),
            customers_asking=len(askers),
            days_until_desired=(demand["desired_date"] - today).days if demand["desired_date"] else None,
            customer_tier=demand["customer__tier"],
            shares_ip=demand["risk_shares_ip"],
            exclusive=demand["risk_exclusive"],
            security=demand["risk_security"],
            provisional=pk not in estimates,
            # The demand's own savings and risk: a linked demand shares its revenue and breadth, not its savings.
            savings_yearly=to_base(demand["yearly_savings"], demand["currency"]),
            risk_avoided=to_base(demand["risk_exposure_avoided"], demand["currency"]),
        )
    return inputs


def scoring_inputs_for_ids(ids: list[int]) -> dict[int, scoring.ScoringInputs]:
    """The scoring inputs of many demands in a fixed number of queries, whatever their number."""
    if not ids:
        return {}
    demands = {row["pk"]: row for row in ChangeRequest.objects.filter(pk__in=ids).values(*SCORING_DEMAND_FIELDS)}
    return scoring_inputs_for_rows(demands, list(demands))
