"""What scoring reads: the active model, the latest estimate, linked parties and the product's defaults."""

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.money import to_base
from intake.models import ChangeRequest, Product, ProductKindDefault, SimilarDemand
from intake.selectors import asker_key
from partners.selectors import DisclosureExposure, disclosure_exposures_for_ids
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
    "contact_email",
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


def _linked_parties(
    demand_ids: list[int] | QuerySet, *, also_linked: int | None = None
) -> tuple[dict[int, set[int]], dict[int, dict]]:
    """The demands triage linked as the same need (either direction), and what each party brings.

    One query whatever the links: both sides' revenue, currency, customer and address come with the pair,
    so a linked demand outside `demand_ids` (decided, say) needs no second read. `also_linked` counts one
    more candidate pair as linked (the link form's preview), without writing it.
    """
    groups: dict[int, set[int]] = {}
    parties: dict[int, dict] = {}
    linked = Q(is_linked=True) | Q(pk=also_linked) if also_linked is not None else Q(is_linked=True)
    side_fields = ("revenue_at_stake", "currency", "customer_id", "contact_email")
    pairs = (
        SimilarDemand.objects.filter(linked)
        .filter(Q(change_request_id__in=demand_ids) | Q(similar_to_id__in=demand_ids))
        .values_list(
            "change_request_id",
            *(f"change_request__{name}" for name in side_fields),
            "similar_to_id",
            *(f"similar_to__{name}" for name in side_fields),
        )
    )
    width = 1 + len(side_fields)
    for pair in pairs:
        left, right = pair[0], pair[width]
        groups.setdefault(left, set()).add(right)
        groups.setdefault(right, set()).add(left)
        parties[left] = {"pk": left, **dict(zip(side_fields, pair[1:width], strict=True))}
        parties[right] = {"pk": right, **dict(zip(side_fields, pair[width + 1 :], strict=True))}
    return groups, parties


def linked_value_and_askers(demand: dict, others: Iterable[dict]) -> tuple[Decimal, int]:
    """A demand's value and breadth with the demands linked to it: each other customer asking (by
    `intake.selectors.asker_key`) adds one to the breadth and the largest amount it asks for; a copy from
    the demand's own customer adds nothing. Amounts in the base currency (core.money.to_base)."""
    own = asker_key(customer_id=demand["customer_id"], contact_email=demand["contact_email"])
    best: dict[str, Decimal] = {}
    for other in others:
        key = asker_key(customer_id=other["customer_id"], contact_email=other["contact_email"])
        if key != own:
            amount = to_base(other["revenue_at_stake"], other["currency"])
            best[key] = max(best.get(key, amount), amount)
    return to_base(demand["revenue_at_stake"], demand["currency"]) + sum(best.values(), Decimal("0")), 1 + len(best)


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
    demands: dict[int, dict], demand_ids: list[int] | QuerySet, *, also_linked: int | None = None
) -> dict[int, scoring.ScoringInputs]:
    """Each demand's scoring inputs from its row (SCORING_DEMAND_FIELDS), in five more queries.

    `demand_ids` selects the same demands as `demands` (a list of ids, or a subquery when there are
    too many ids to send). Revenue and breadth include linked similar demands (savings and risk are the
    demand's own); cost is the latest analyst
    estimate, else the product's default for the demand's kind (then the inputs are marked provisional).
    """
    groups, parties = _linked_parties(demand_ids, also_linked=also_linked)
    estimates = _latest_estimates(demand_ids)
    products, kind_defaults = _product_defaults()
    today = timezone.localdate()
    disclosures = disclosure_exposures_for_ids(demand_ids, on=today)
    no_links: set[int] = set()

    inputs = {}
    for pk, demand in demands.items():
        value, askers = linked_value_and_askers(demand, (parties[other] for other in groups.get(pk, no_links)))
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
            customers_asking=askers,
            days_until_desired=(demand["desired_date"] - today).days if demand["desired_date"] else None,
            customer_tier=demand["customer__tier"],
            shares_ip=demand["risk_shares_ip"],
            exclusive=demand["risk_exclusive"],
            security=demand["risk_security"],
            provisional=pk not in estimates,
            # The demand's own savings and risk: a linked demand shares its revenue and breadth, not its savings.
            savings_yearly=to_base(demand["yearly_savings"], demand["currency"]),
            risk_avoided=to_base(demand["risk_exposure_avoided"], demand["currency"]),
            **_disclosure_inputs(disclosures.get(pk)),
        )
    return inputs


def _disclosure_inputs(exposure: DisclosureExposure | None) -> dict:
    if exposure is None:
        return {}
    return {
        "disclosure_covered": exposure.covered,
        "disclosure_uncovered": exposure.uncovered,
        "disclosure_items": exposure.items,
    }


def scoring_inputs_for_ids(ids: list[int], *, also_linked: int | None = None) -> dict[int, scoring.ScoringInputs]:
    """The scoring inputs of many demands in a fixed number of queries, whatever their number.

    `also_linked`: a SimilarDemand id counted as linked, to preview what linking it would do."""
    if not ids:
        return {}
    demands = {row["pk"]: row for row in ChangeRequest.objects.filter(pk__in=ids).values(*SCORING_DEMAND_FIELDS)}
    return scoring_inputs_for_rows(demands, list(demands), also_linked=also_linked)
