"""Triage reads: the active model, a demand's scoring inputs, the queue and a demand's page."""

import heapq
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Floor, Least, TruncQuarter
from django.utils import timezone

from intake.choices import OPEN_STATUSES, ChangeRequestKind, ChangeRequestStatus
from intake.models import ChangeRequest, Product, ProductKindDefault, SimilarDemand, StatusEvent
from triage import scoring
from triage.choices import DecisionOutcome, RescoreJobStatus, ScoreBand
from triage.clock import decision_clock, percentile
from triage.models import (
    Assessment,
    CostEstimate,
    Decision,
    DecisionTarget,
    QuarterCapacity,
    RescoreJob,
    ScoringFailure,
    ScoringModel,
)
from triage.quarters import quarter_after, quarter_label, quarter_start
from triage.scoring import BAND_DECLINE, BAND_FAST_TRACK, BAND_REVIEW


def scoring_model_active() -> ScoringModel:
    """The one active model; v1 with DESIGN.md's defaults is created by a migration."""
    return ScoringModel.objects.get(is_active=True)


def to_base_currency(amount: Decimal, currency: str) -> Decimal:
    return (amount * Decimal(settings.CURRENCY_RATES_TO_BASE.get(currency, "1"))).quantize(Decimal("0.01"))


def cost_estimate_latest(*, change_request: ChangeRequest) -> CostEstimate | None:
    return CostEstimate.objects.filter(change_request=change_request).order_by("-created_at", "-pk").first()


SCORING_DEMAND_FIELDS = (
    "pk",
    "product_id",
    "kind",
    "customer_id",
    "customer__tier",
    "revenue_at_stake",
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


def _scoring_inputs(demands: dict[int, dict], demand_ids: list[int] | QuerySet) -> dict[int, scoring.ScoringInputs]:
    """Each demand's scoring inputs from its row (SCORING_DEMAND_FIELDS), in four more queries.

    `demand_ids` selects the same demands as `demands` (a list of ids, or a subquery when there are
    too many ids to send). Value and breadth include linked similar demands; cost is the latest analyst
    estimate, else the product's default for the demand's kind (then the inputs are marked provisional).
    """
    groups, parties = _linked_parties(demand_ids)
    estimates = _latest_estimates(demand_ids)
    products, kind_defaults = _product_defaults()
    today = timezone.localdate()
    rates = {currency: Decimal(rate) for currency, rate in settings.CURRENCY_RATES_TO_BASE.items()}
    cent = Decimal("0.01")
    no_links: set[int] = set()

    inputs = {}
    for pk, demand in demands.items():
        group = [demand, *(parties[other] for other in groups.get(pk, no_links))]
        # Each amount converted and rounded to the cent on its own, as to_base_currency does.
        value = sum(
            ((row["revenue_at_stake"] * rates.get(row["currency"], 1)).quantize(cent) for row in group),
            Decimal("0"),
        )
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
        )
    return inputs


def scoring_inputs_for_ids(ids: list[int]) -> dict[int, scoring.ScoringInputs]:
    """The scoring inputs of many demands in a fixed number of queries, whatever their number."""
    if not ids:
        return {}
    demands = {row["pk"]: row for row in ChangeRequest.objects.filter(pk__in=ids).values(*SCORING_DEMAND_FIELDS)}
    return _scoring_inputs(demands, list(demands))


def assessment_history(*, change_request: ChangeRequest) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(change_request=change_request)
        .select_related("scoring_model")
        .order_by("-created_at", "-pk")
    )


def decision_latest(*, change_request: ChangeRequest) -> Decision | None:
    return (
        Decision.objects.filter(change_request=change_request)
        .select_related("decided_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def change_request_queue() -> QuerySet[ChangeRequest]:
    """Every demand with what a queue row shows, in one query."""
    return ChangeRequest.objects.select_related("customer", "product").order_by("-score", "-created_at")


def change_request_detail(*, reference: str) -> ChangeRequest | None:
    return (
        ChangeRequest.objects.select_related("customer", "product", "scoring_failure")
        .prefetch_related(Prefetch("cost_estimates", queryset=CostEstimate.objects.select_related("estimated_by")))
        .filter(reference=reference)
        .first()
    )


def similar_demand_list(*, change_request: ChangeRequest) -> QuerySet[SimilarDemand]:
    return (
        SimilarDemand.objects.filter(Q(change_request=change_request) | Q(similar_to=change_request))
        .select_related("change_request__customer", "similar_to__customer")
        .order_by("-is_linked", "-similarity")
    )


def change_request_ids_unscored(*, older_than_seconds: int = 60, limit: int = 1000) -> list[int]:
    """Demands whose score has been due for a while (the broker was down when they were filed, say)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        ChangeRequest.objects.filter(scoring_requested_at__lt=cutoff, scoring_failure__isnull=True)
        .order_by("scoring_requested_at")
        .values_list("pk", flat=True)[:limit]
    )


def rescore_job_ids_stalled(*, older_than_seconds: int = 90) -> list[int]:
    """Rescore jobs that stopped moving (their next run could not be enqueued, or its worker died)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        RescoreJob.objects.filter(
            status__in=(RescoreJobStatus.QUEUED, RescoreJobStatus.RUNNING), updated_at__lt=cutoff
        ).values_list("pk", flat=True)
    )


def scoring_model_list() -> QuerySet[ScoringModel]:
    return ScoringModel.objects.select_related("created_by").order_by("-version")


def rescore_job_list(*, limit: int = 5) -> list[RescoreJob]:
    return list(RescoreJob.objects.select_related("scoring_model", "started_by").order_by("-created_at")[:limit])


BUBBLE_LIMIT = 150
PIPELINE_ORDER = ("submitted", "scored", "needs_info", "deferred", "approved", "rejected", "withdrawn")


def queue_charts(*, queryset: QuerySet[ChangeRequest]) -> dict:
    """Everything the queue's charts draw, as SQL aggregates over the filtered queryset.

    A fixed number of queries whatever the queue's size; the bubble chart shows the open demands with
    the most revenue at stake (at most BUBBLE_LIMIT), the rest are summed in the other charts.
    """
    queryset = queryset.order_by()
    bubbles = list(
        queryset.filter(status__in=OPEN_STATUSES, value_total__isnull=False)
        .order_by("-value_total", "pk")
        .values("reference", "title", "value_total", "it_cost", "score", "score_band", "customers_asking")[
            :BUBBLE_LIMIT
        ]
    )
    histogram = dict(
        queryset.filter(score__isnull=False)
        .annotate(bucket=Least(Cast(Floor(F("score") / Value(10)), IntegerField()), Value(9)))
        .values_list("bucket")
        .annotate(count=Count("pk"))
        .values_list("bucket", "count")
    )
    by_status = dict(queryset.values_list("status").annotate(count=Count("pk")).values_list("status", "count"))
    by_agenda = {
        row["agenda"]: row
        for row in queryset.values("agenda").annotate(
            demands=Count("pk"),
            approved_cost=Sum("it_cost", filter=Q(status=ChangeRequestStatus.APPROVED)),
        )
    }
    return {
        "bubbles": bubbles,
        "histogram": [histogram.get(bucket, 0) for bucket in range(10)],
        "funnel": [(status, ChangeRequestStatus(status).label, by_status.get(status, 0)) for status in PIPELINE_ORDER],
        "agenda": {
            agenda: {
                "demands": by_agenda.get(agenda, {}).get("demands", 0),
                "approved_cost": by_agenda.get(agenda, {}).get("approved_cost") or Decimal("0"),
            }
            for agenda in ("bt", "it")
        },
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


def scoring_failure_list(*, limit: int = 20) -> list[ScoringFailure]:
    return list(ScoringFailure.objects.select_related("change_request").order_by("-failed_at")[:limit])


def assessment_comparison(*, change_request: ChangeRequest, before_id: int | None, after_id: int | None) -> dict | None:
    """Two of a demand's assessments (by default the latest and the one before) and what changed."""
    history = list(assessment_history(change_request=change_request)[:50])
    if len(history) < 2:
        return None
    by_id = {assessment.pk: assessment for assessment in history}
    after = by_id.get(after_id) or history[0]
    before = by_id.get(before_id) or next(a for a in history if a.pk != after.pk)
    weights = {
        model.pk: {name: str(getattr(model, name)) for name in ScoringModel.WEIGHT_FIELDS}
        for model in {before.scoring_model, after.scoring_model}
    }
    differences = scoring.explain_difference(
        before_components=before.components,
        after_components=after.components,
        before_inputs=before.inputs,
        after_inputs=after.inputs,
        before_weights=weights[before.scoring_model_id],
        after_weights=weights[after.scoring_model_id],
    )
    return {
        "before": before,
        "after": after,
        "differences": differences,
        "history": history,
        "delta": after.total - before.total,
    }


DUE_SOON_SHARE = 0.8


def decision_targets() -> dict[str, int]:
    return dict(DecisionTarget.objects.values_list("scope", "days"))


def _target_days(demand: ChangeRequest, targets: dict[str, int]) -> int | None:
    """The strictest target that applies: the demand's agenda, or its customer's tier."""
    tier = demand.customer.tier if demand.customer_id else None
    matching = [targets.get(f"agenda:{demand.agenda}"), targets.get(f"tier:{tier}") if tier else None]
    matching = [days for days in matching if days]
    return min(matching) if matching else None


def decision_clocks(*, demands: list[ChangeRequest]) -> dict[int, dict]:
    """Each open demand's decision clock against its target, in two queries whatever the number of demands."""
    open_demands = [demand for demand in demands if demand.is_open or demand.status == "deferred"]
    if not open_demands:
        return {}
    transitions: dict[int, list] = {demand.pk: [] for demand in open_demands}
    for change_request_id, to_status, at in (
        StatusEvent.objects.filter(change_request_id__in=transitions)
        .exclude(to_status="")
        .order_by("change_request_id", "created_at", "pk")
        .values_list("change_request_id", "to_status", "created_at")
    ):
        transitions[change_request_id].append((to_status, at))
    targets, now, clocks = decision_targets(), timezone.now(), {}
    for demand in open_demands:
        if demand.status == "deferred":
            continue
        clock = decision_clock(filed_at=demand.created_at, transitions=transitions[demand.pk], now=now)
        target = _target_days(demand, targets)
        share = clock.running_days / target if target else 0
        state = "overdue" if share >= 1 else ("due_soon" if share >= DUE_SOON_SHARE else "")
        clocks[demand.pk] = {
            "clock": clock,
            "target_days": target,
            "state": state,
            "days": round(clock.running_days, 1),
        }
    return clocks


def decision_time_by_month(*, months: int = 12, limit: int = 20_000) -> list[dict]:
    """Median and 90th percentile of days to decision per month of decision, over the latest decisions."""
    since = timezone.now() - timedelta(days=31 * months)
    decided = dict(
        Decision.objects.filter(created_at__gte=since)
        .order_by("-created_at")
        .values_list("change_request_id", "change_request__created_at")[:limit]
    )
    transitions: dict[int, list] = {pk: [] for pk in decided}
    for change_request_id, to_status, at in (
        StatusEvent.objects.filter(change_request_id__in=list(decided))
        .exclude(to_status="")
        .order_by("change_request_id", "created_at", "pk")
        .values_list("change_request_id", "to_status", "created_at")
    ):
        transitions[change_request_id].append((to_status, at))
    by_month: dict[str, list[float]] = {}
    now = timezone.now()
    for pk, filed_at in decided.items():
        clock = decision_clock(filed_at=filed_at, transitions=transitions[pk], now=now)
        if clock.decided_at is not None:
            by_month.setdefault(f"{clock.decided_at:%Y-%m}", []).append(clock.running_days)
    return [
        {
            "month": month,
            "decisions": len(days),
            "median": round(percentile(days, 0.5), 1),
            "p90": round(percentile(days, 0.9), 1),
        }
        for month, days in sorted(by_month.items())
    ]


WHATIF_TOP = 10
BAND_ORDER = (ScoreBand.FAST_TRACK, ScoreBand.REVIEW, ScoreBand.DECLINE)


@dataclass(frozen=True)
class ScoreMove:
    """One open demand whose score a proposed model would change."""

    reference: str
    title: str
    old_score: Decimal
    old_band: str
    new_score: Decimal
    new_band: str

    @property
    def delta(self) -> Decimal:
        return self.new_score - self.old_score

    @property
    def old_band_label(self) -> str:
        return ScoreBand(self.old_band).label if self.old_band else "—"

    @property
    def new_band_label(self) -> str:
        return ScoreBand(self.new_band).label


@dataclass(frozen=True)
class ScoringWhatIf:
    """How the open queue would change under proposed weights: nothing here is written anywhere."""

    open_demands: int
    scored: int
    not_yet_scored: int
    moved: int  # scored demands whose band would change
    # (from band, its label, [(to band, its label, count)], row total); the last row is the unscored demands.
    band_matrix: list[tuple[str, str, list[tuple[str, str, int]], int]]
    band_totals_new: list[tuple[str, str, int]]
    risers: list[ScoreMove]
    fallers: list[ScoreMove]
    histogram_current: list[int]  # 10-point buckets of the scored demands' current scores
    histogram_new: list[int]  # the same demands under the proposed weights


# Half-to-even rounding to the cent of a non-negative numeric `x`, as Decimal.quantize does by default.
_SQL_CENT_HALF_EVEN = (
    "((CASE WHEN {x} * 100 - floor({x} * 100) = 0.5 THEN floor({x} * 100) + mod(floor({x} * 100), 2) "
    "ELSE round({x} * 100) END) / 100)"
)
# Amounts have two decimal places: in the base currency (rate 1) they need no rounding.
_SQL_AMOUNT = (
    "CASE WHEN rate.rate IS NULL OR rate.rate = 1 THEN cr.revenue_at_stake ELSE "
    + _SQL_CENT_HALF_EVEN.format(x="(cr.revenue_at_stake * rate.rate)")
    + " END"
)
_SQL_IT_COST = _SQL_CENT_HALF_EVEN.format(x="({effort} * {day_rate} + {run_cost} * %(horizon_years)s::numeric)")
# `scoring._points` in cents: round half up of (weight × the float's shortest decimal, what Python's repr
# prints and float8's text is with extra_float_digits = 1). `{y}` is that product in float8, weight in
# cents (an integer, so exact) times the float: within 3e-12 of the exact product, so unless it lies
# within 1e-9 of a half cent its float rounding is the exact one; near a half cent the exact decimal
# arithmetic decides.
_SQL_POINTS_CENTS = (
    "CASE WHEN abs({y} - floor({y}) - 0.5) > 1e-9 THEN floor({y} + 0.5)::bigint "
    "ELSE (round({weight}::numeric * {x}::text::numeric, 2) * 100)::bigint END"
)
WHATIF_SQL = f"""
WITH rate (currency, rate) AS MATERIALIZED (
    SELECT * FROM unnest(%(currencies)s::varchar[], %(rates)s::numeric[])
), link AS MATERIALIZED (
    SELECT change_request_id AS id, similar_to_id AS other FROM intake_similardemand WHERE is_linked
    UNION
    SELECT similar_to_id, change_request_id FROM intake_similardemand WHERE is_linked
), party AS MATERIALIZED (
    -- Every linked demand (open or not) with its amount in the base currency and who asks.
    SELECT cr.id, {_SQL_AMOUNT} AS amount, coalesce(cr.customer_id::text, 'unmatched-' || cr.id) AS asker
    FROM intake_changerequest AS cr LEFT JOIN rate ON rate.currency = cr.currency
    WHERE cr.id IN (SELECT id FROM link)
), linked_group AS MATERIALIZED (
    -- Only demands with links need a group: the others are worth their own amount and have one asker.
    SELECT member.id, sum(member.amount) AS value, count(DISTINCT member.asker) AS asking
    FROM (
        SELECT id, amount, asker FROM party
        UNION ALL
        SELECT link.id, party.amount, party.asker FROM link JOIN party ON party.id = link.other
    ) AS member
    GROUP BY member.id
), estimate AS MATERIALIZED (
    -- The latest estimate of every demand (open or not: cheaper than narrowing them down first).
    SELECT id, {_SQL_IT_COST.format(effort="effort_days", day_rate="day_rate", run_cost="yearly_run_cost")} AS it_cost
    FROM (
        SELECT DISTINCT ON (change_request_id) change_request_id AS id, effort_days, day_rate, yearly_run_cost
        FROM triage_costestimate
        ORDER BY change_request_id, created_at DESC, id DESC
    ) AS latest
), default_cost AS MATERIALIZED (
    -- What each product assumes for each kind of demand, before an analyst estimates.
    SELECT product.id AS product_id, kind.kind, {
    _SQL_IT_COST.format(
        effort="coalesce(kind_default.effort_days, product.default_effort_days)",
        day_rate="product.default_day_rate",
        run_cost="coalesce(kind_default.yearly_run_cost, product.default_yearly_run_cost)",
    )
} AS it_cost
    FROM intake_product AS product
    CROSS JOIN unnest(%(kinds)s::varchar[]) AS kind (kind)
    LEFT JOIN intake_productkinddefault AS kind_default
           ON kind_default.product_id = product.id AND kind_default.kind = kind.kind
)
SELECT id, (score * 100)::integer, score_band, least(10000, greatest(0,
       {_SQL_POINTS_CENTS.format(y="roi_y", weight="%(weight_roi)s", x="roi")}
     + {_SQL_POINTS_CENTS.format(y="revenue_y", weight="%(weight_revenue)s", x="revenue")}
     + CASE WHEN asking <= %(breadth_size)s THEN (%(breadth_cents)s::bigint[])[asking] ELSE
       {_SQL_POINTS_CENTS.format(y="breadth_y", weight="%(weight_breadth)s", x="breadth")} END
     + CASE WHEN days IS NULL OR days >= %(urgency_zero)s THEN 0 WHEN days <= %(urgency_full)s
            THEN %(urgency_full_cents)s ELSE (%(urgency_cents)s::bigint[])[days - %(urgency_full)s] END
     + CASE tier WHEN 'strategic' THEN %(strategic_cents)s WHEN 'key' THEN %(key_cents)s
                 WHEN 'standard' THEN %(standard_cents)s ELSE 0 END
     - CASE WHEN risk_shares_ip THEN %(penalty_shares_ip_cents)s ELSE 0 END
     - CASE WHEN risk_exclusive THEN %(penalty_exclusive_cents)s ELSE 0 END
     - CASE WHEN risk_security THEN %(penalty_security_cents)s ELSE 0 END))
FROM (
    SELECT *, roi * %(weight_roi_cents)s::float8 AS roi_y, revenue * %(weight_revenue_cents)s::float8 AS revenue_y,
           breadth * %(weight_breadth_cents)s::float8 AS breadth_y
    FROM (
        SELECT cr.id, cr.score, cr.score_band, cr.desired_date - %(today)s::date AS days, customer.tier,
               cr.risk_shares_ip, cr.risk_exclusive, cr.risk_security, inputs.asking,
               CASE WHEN inputs.it_cost <= 0 THEN 1::float8 ELSE 1::float8 / (1::float8 + exp(greatest(-700::float8,
                   least(700::float8, -(%(roi_steepness)s::float8) * ((((inputs.value - inputs.it_cost)
                   + %(forty_places)s::numeric) / inputs.it_cost)::float8 - %(roi_midpoint)s::float8))))) END AS roi,
               CASE WHEN inputs.value <= 0 THEN 0::float8 ELSE least(1::float8, greatest(0::float8,
                   (log(inputs.value::float8) - %(revenue_low)s::float8)
                   / (%(revenue_high)s::float8 - %(revenue_low)s::float8))) END AS revenue,
               1::float8 - 1::float8 / greatest(1, inputs.asking)::float8 AS breadth
        FROM intake_changerequest AS cr
        LEFT JOIN rate ON rate.currency = cr.currency
        LEFT JOIN linked_group ON linked_group.id = cr.id
        JOIN default_cost ON default_cost.product_id = cr.product_id AND default_cost.kind = cr.kind
        LEFT JOIN estimate ON estimate.id = cr.id
        LEFT JOIN intake_customer AS customer ON customer.id = cr.customer_id
        CROSS JOIN LATERAL (
            SELECT coalesce(linked_group.value, {_SQL_AMOUNT}) AS value, coalesce(linked_group.asking, 1) AS asking,
                   coalesce(estimate.it_cost, default_cost.it_cost) AS it_cost
        ) AS inputs
        WHERE cr.status IN %(open_statuses)s
        OFFSET 0
    ) AS normalized
    OFFSET 0
) AS scaled
"""  # noqa: S608 (only the module's own constant fragments are formatted in; every value is a parameter)
# Breadth, urgency and strategic fit take few distinct values: their points come from tables filled by
# `scoring` itself; a count of customers beyond the table goes through the float path like ROI.
BREADTH_TABLE_SIZE = 100


def _cents(points: Decimal) -> int:
    return int(points * 100)


def _whatif_rows_postgresql(weights: scoring.ScoringWeights) -> list[tuple[int, int | None, str, int]]:
    """Each open demand's (pk, current score in cents, current band, proposed score in cents), in one statement.

    `scoring.score` step by step: amounts converted and rounded half-to-even to the cent, the IT cost
    likewise, ROI divided to 40 decimal places before it becomes a float (Python divides to 28
    significant digits; both round to the same double), the logistic and log10 in float8 (IEEE
    arithmetic and the C library's exp and log10, which CPython's math module calls too), then each
    component's points in integer cents as `scoring._points` rounds them. A test compares the result
    with `scoring.score` demand by demand.
    """
    full, zero = weights.urgency_full_days, weights.urgency_zero_days
    params = {
        "open_statuses": tuple(str(status) for status in OPEN_STATUSES),
        "currencies": list(settings.CURRENCY_RATES_TO_BASE),
        "rates": [Decimal(rate) for rate in settings.CURRENCY_RATES_TO_BASE.values()],
        "kinds": [str(kind) for kind in ChangeRequestKind],
        "today": timezone.localdate(),
        "horizon_years": weights.horizon_years,
        "forty_places": Decimal("0E-40"),
        "roi_steepness": float(weights.roi_steepness),
        "roi_midpoint": float(weights.roi_midpoint),
        "revenue_low": math.log10(weights.revenue_floor),
        "revenue_high": math.log10(weights.revenue_ceiling),
        "breadth_size": BREADTH_TABLE_SIZE,
        "breadth_cents": [
            _cents(scoring._points(weights.weight_breadth, scoring.breadth_normalized(asking)))
            for asking in range(1, BREADTH_TABLE_SIZE + 1)
        ],
        "urgency_full": full,
        "urgency_zero": zero,
        "urgency_full_cents": _cents(scoring._points(weights.weight_urgency, 1.0)),
        # Index 1 is the day after `full`; the last entry is the day before `zero`.
        "urgency_cents": [
            _cents(scoring._points(weights.weight_urgency, scoring.urgency_normalized(days, weights)))
            for days in range(full + 1, zero)
        ]
        or [0],
        **{
            f"{tier}_cents": _cents(
                scoring._points(weights.weight_strategic, scoring.strategic_normalized(tier, weights))
            )
            for tier in ("strategic", "key", "standard")
        },
        **{
            f"{name}_cents": _cents(getattr(weights, name).quantize(scoring.CENT))
            for name in ("penalty_shares_ip", "penalty_exclusive", "penalty_security")
        },
        **{name: getattr(weights, name) for name in ("weight_roi", "weight_revenue", "weight_breadth")},
        **{
            f"{name}_cents": float(_cents(getattr(weights, name)))
            for name in ("weight_roi", "weight_revenue", "weight_breadth")
        },
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # The floats' text must be their shortest exact decimal, as Python's repr prints: 1 is PostgreSQL's
        # default since version 12, set here so that a server configured otherwise cannot change a score.
        # JIT compilation costs more than it saves on this one statement; the row estimates of the small
        # CTEs are poor, and a merge join on them sorts the whole queue (on disk at the default work_mem).
        cursor.execute(
            "SET LOCAL extra_float_digits = 1; SET LOCAL jit = off; SET LOCAL enable_mergejoin = off; "
            "SET LOCAL work_mem = '64MB'"
        )
        cursor.execute(WHATIF_SQL, params)
        return cursor.fetchall()


def _whatif_rows_python(weights: scoring.ScoringWeights) -> list[tuple[int, int | None, str, int]]:
    """The rows of `_whatif_rows_postgresql`, scored by `scoring.TotalScorer` (SQLite, the embedded default)."""
    open_demands = ChangeRequest.objects.filter(status__in=OPEN_STATUSES)
    demands = {row["pk"]: row for row in open_demands.values(*SCORING_DEMAND_FIELDS, "score", "score_band")}
    inputs = _scoring_inputs(demands, open_demands.values("pk"))
    scorer = scoring.TotalScorer(weights)
    return [
        (
            pk,
            None if demand["score"] is None else int(demand["score"] * 100),
            demand["score_band"],
            int(scorer.total(inputs[pk]) * 100),
        )
        for pk, demand in demands.items()
    ]


def _whatif_rows(weights: scoring.ScoringWeights) -> list[tuple[int, int | None, str, int]]:
    if connection.vendor == "postgresql":
        return _whatif_rows_postgresql(weights)
    return _whatif_rows_python(weights)


def whatif_scores(*, weights: scoring.ScoringWeights) -> dict[int, Decimal]:
    """Each open demand's score under `weights`, exactly as the preview computes it."""
    return {pk: Decimal(new).scaleb(-2) for pk, _, _, new in _whatif_rows(weights)}


def scoring_whatif(*, weights: scoring.ScoringWeights, top: int = WHATIF_TOP) -> ScoringWhatIf:
    """Score every open demand under `weights` without writing anything, and compare with its current score.

    Set-based: on PostgreSQL one statement scores the whole open queue (see `_whatif_rows_postgresql`);
    elsewhere the inputs come in five reads and `scoring.TotalScorer` scores them. One more read fetches
    the titles of the biggest risers and fallers. The proposed scores use today's inputs, as the rescore
    after saving would; a demand never scored yet (still `submitted`) is counted apart, since it has no
    current score to move from.
    """
    rows = _whatif_rows(weights)
    fast_track, review = int(weights.fast_track_threshold * 100), int(weights.review_threshold * 100)
    matrix: dict[tuple[str, str], int] = {}
    histogram_current, histogram_new = [0] * 10, [0] * 10
    rises: list[tuple[int, int]] = []
    falls: list[tuple[int, int]] = []
    found: dict[int, tuple[int | None, str, int, str]] = {}
    for pk, old, old_band, new in rows:
        # scoring.band_for on cents: thresholds have two decimal places at most.
        new_band = BAND_FAST_TRACK if new >= fast_track else (BAND_REVIEW if new >= review else BAND_DECLINE)
        found[pk] = (old, old_band, new, new_band)
        if old is None:
            matrix[("", new_band)] = matrix.get(("", new_band), 0) + 1
            continue
        matrix[(old_band, new_band)] = matrix.get((old_band, new_band), 0) + 1
        histogram_current[min(old // 1000, 9)] += 1
        histogram_new[min(new // 1000, 9)] += 1
        if new > old:
            rises.append((new - old, -pk))
        elif new < old:
            falls.append((old - new, -pk))

    # Biggest moves first; among equal moves the oldest demand (lowest id) first.
    risers = [-negative_pk for _, negative_pk in heapq.nlargest(top, rises)]
    fallers = [-negative_pk for _, negative_pk in heapq.nlargest(top, falls)]
    labels = {
        pk: (reference, title)
        for pk, reference, title in ChangeRequest.objects.filter(pk__in=[*risers, *fallers]).values_list(
            "pk", "reference", "title"
        )
    }

    def move(pk: int) -> ScoreMove:
        old, old_band, new, new_band = found[pk]
        reference, title = labels[pk]
        return ScoreMove(reference, title, Decimal(old).scaleb(-2), old_band, Decimal(new).scaleb(-2), new_band)

    from_bands = [(band.value, band.label) for band in BAND_ORDER] + [("", "Not yet scored")]
    band_matrix = []
    for from_band, from_label in from_bands:
        cells = [(band.value, band.label, matrix.get((from_band, band.value), 0)) for band in BAND_ORDER]
        band_matrix.append((from_band, from_label, cells, sum(count for _, _, count in cells)))
    not_yet_scored = band_matrix[-1][3]
    return ScoringWhatIf(
        open_demands=len(found),
        scored=len(found) - not_yet_scored,
        not_yet_scored=not_yet_scored,
        moved=sum(count for (old, new), count in matrix.items() if old and old != new),
        band_matrix=band_matrix,
        band_totals_new=[
            (band.value, band.label, sum(row[2][index][2] for row in band_matrix))
            for index, band in enumerate(BAND_ORDER)
        ],
        risers=[move(pk) for pk in risers],
        fallers=[move(pk) for pk in fallers],
        histogram_current=histogram_current,
        histogram_new=histogram_new,
    )


CAPACITY_QUARTERS = 4  # the current quarter and the next three
DISPLACED_LIMIT = 50


def _person_days() -> Coalesce:
    """A demand's IT effort in person-days: its latest estimate, else its product's default for its kind.

    The same effort its score's IT cost uses; evaluated in SQL on a queryset of demands.
    """
    latest_estimate = CostEstimate.objects.filter(change_request=OuterRef("pk")).order_by("-created_at", "-pk")
    kind_default = ProductKindDefault.objects.filter(product=OuterRef("product_id"), kind=OuterRef("kind"))
    return Coalesce(
        Subquery(latest_estimate.values("effort_days")[:1]),
        Subquery(kind_default.values("effort_days")[:1]),
        F("product__default_effort_days"),
    )


def _approved_in(first: date, last: date) -> QuerySet[ChangeRequest]:
    """Approved demands whose approval was decided in the quarters from `first` up to before `last`.

    A demand's effort counts in the quarter of its approval decision: capacity here is how much new work
    the CIO commits to per quarter, and the decision date is the one fact triage owns that never moves
    (desired dates and project dates drift, and the project lives in the portfolio, downstream).
    """
    start = timezone.make_aware(datetime.combine(first, time.min))
    end = timezone.make_aware(datetime.combine(last, time.min))
    in_window = Decision.objects.filter(outcome=DecisionOutcome.APPROVED, created_at__gte=start, created_at__lt=end)
    decided = in_window.filter(change_request=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        # Driven by the window's decisions (an index range), not by every approved demand ever.
        ChangeRequest.objects.filter(status=ChangeRequestStatus.APPROVED, pk__in=in_window.values("change_request_id"))
        .annotate(approved_at=Subquery(decided.values("created_at")[:1]))
        .filter(approved_at__isnull=False)
    )


@dataclass(frozen=True)
class QuarterLoad:
    """One quarter of the capacity plan: what the CIO set, and what approvals took of it."""

    quarter_start: date
    capacity: Decimal | None
    approved_days: Decimal
    approved_count: int

    @property
    def label(self) -> str:
        return quarter_label(self.quarter_start)

    @property
    def remaining(self) -> Decimal | None:
        return None if self.capacity is None else self.capacity - self.approved_days

    @property
    def is_over(self) -> bool:
        return self.remaining is not None and self.remaining < 0


def capacity_latest(*, quarters: list[date]) -> dict[date, Decimal | None]:
    """Each quarter's capacity as last set (None: never set, or removed), in one query."""
    latest: dict[date, Decimal | None] = {}
    for quarter, person_days in (
        QuarterCapacity.objects.filter(quarter_start__in=quarters)
        .order_by("quarter_start", "-created_at", "-pk")
        .values_list("quarter_start", "person_days")
    ):
        latest.setdefault(quarter, person_days)
    return {quarter: latest.get(quarter) for quarter in quarters}


def capacity_by_quarter(*, first: date | None = None, count: int = CAPACITY_QUARTERS) -> list[QuarterLoad]:
    """Capacity, approved person-days and approvals for `count` quarters from `first`, in two queries."""
    first = quarter_start(first or timezone.localdate())
    quarters = [quarter_after(first, index) for index in range(count)]
    capacities = capacity_latest(quarters=quarters)
    approved = {
        timezone.localtime(row["quarter"]).date() if isinstance(row["quarter"], datetime) else row["quarter"]: row
        for row in _approved_in(first, quarter_after(first, count))
        .annotate(quarter=TruncQuarter("approved_at"), person_days=_person_days())
        .order_by()
        .values("quarter")
        .annotate(days=Sum("person_days"), demands=Count("pk"))
    }
    return [
        QuarterLoad(
            quarter_start=quarter,
            capacity=capacities[quarter],
            approved_days=approved.get(quarter, {}).get("days") or Decimal("0"),
            approved_count=approved.get(quarter, {}).get("demands", 0),
        )
        for quarter in quarters
    ]


@dataclass(frozen=True)
class ApprovalImpact:
    """What approving one demand now would do to the current quarter's capacity."""

    quarter: QuarterLoad
    person_days: Decimal
    displaced: list[dict]  # reference, title, score, person_days: this quarter's lower-scored approvals, lowest first
    displaced_days: Decimal

    @property
    def remaining_after(self) -> Decimal | None:
        return None if self.quarter.remaining is None else self.quarter.remaining - self.person_days

    @property
    def over_by(self) -> Decimal:
        remaining = self.remaining_after
        return Decimal("0") if remaining is None or remaining >= 0 else -remaining

    @property
    def room_can_be_made(self) -> bool:
        """Whether giving back the listed approvals would make room for this demand."""
        return self.displaced_days >= self.over_by


def approval_capacity_impact(*, change_request: ChangeRequest) -> ApprovalImpact:
    """This demand's person-days against the current quarter's remaining capacity, and what it would displace.

    Rule: approving adds the demand's person-days to this quarter's approvals. When that exceeds the
    capacity, the approvals of this quarter with a lower score than this demand, lowest score first, are
    listed until their person-days cover the excess. Four queries at most, whatever the data.
    """
    quarter = capacity_by_quarter(count=1)[0]
    person_days = (
        ChangeRequest.objects.filter(pk=change_request.pk)
        .annotate(person_days=_person_days())
        .values_list("person_days", flat=True)
        .first()
    ) or Decimal("0")
    displaced: list[dict] = []
    displaced_days = Decimal("0")
    remaining = quarter.remaining
    if remaining is not None and remaining - person_days < 0 and change_request.score is not None:
        over_by = person_days - remaining
        candidates = (
            _approved_in(quarter.quarter_start, quarter_after(quarter.quarter_start))
            .filter(score__lt=change_request.score)
            .annotate(person_days=_person_days())
            .order_by("score", "pk")
            .values("reference", "title", "score", "person_days")[:DISPLACED_LIMIT]
        )
        for candidate in candidates:
            if displaced_days >= over_by:
                break
            displaced.append(candidate)
            displaced_days += candidate["person_days"] or Decimal("0")
    return ApprovalImpact(quarter=quarter, person_days=person_days, displaced=displaced, displaced_days=displaced_days)


def capacity_history(*, limit: int = 20) -> list[QuarterCapacity]:
    """The latest changes to the capacity plan, who made them and when."""
    return list(QuarterCapacity.objects.select_related("set_by").order_by("-created_at", "-pk")[:limit])
