"""What-if: every open demand rescored under proposed weights, without writing anything."""

import heapq
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from core import money
from core.money import cent_half_even_sql, to_base_sql
from intake.choices import OPEN_STATUSES, ChangeRequestKind
from intake.models import ChangeRequest
from triage import scoring
from triage.choices import ScoreBand
from triage.scoring import BAND_DECLINE, BAND_FAST_TRACK, BAND_REVIEW
from triage.selectors.scoring_inputs import SCORING_DEMAND_FIELDS, scoring_inputs_for_rows

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
        return str(ScoreBand(self.old_band).label) if self.old_band else "—"

    @property
    def new_band_label(self) -> str:
        return str(ScoreBand(self.new_band).label)


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


# Amounts converted as core.money.to_base does (half to even, to the cent; base-currency amounts as they are).
_SQL_AMOUNT = to_base_sql("cr.revenue_at_stake", "rate.rate")
_SQL_IT_COST = cent_half_even_sql("({effort} * {day_rate} + {run_cost} * %(horizon_years)s::numeric)")
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
        "currencies": list(money.rates()),
        "rates": list(money.rates().values()),
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
    inputs = scoring_inputs_for_rows(demands, open_demands.values("pk"))
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
        old_score = Decimal(old).scaleb(-2) if old is not None else Decimal("0")
        return ScoreMove(reference, title, old_score, old_band, Decimal(new).scaleb(-2), new_band)

    from_bands = [(band.value, str(band.label)) for band in BAND_ORDER] + [("", "Not yet scored")]
    band_matrix = []
    for from_band, from_label in from_bands:
        cells = [(band.value, str(band.label), matrix.get((from_band, band.value), 0)) for band in BAND_ORDER]
        band_matrix.append((from_band, from_label, cells, sum(count for _, _, count in cells)))
    not_yet_scored = band_matrix[-1][3]
    return ScoringWhatIf(
        open_demands=len(found),
        scored=len(found) - not_yet_scored,
        not_yet_scored=not_yet_scored,
        moved=sum(count for (old, new), count in matrix.items() if old and old != new),
        band_matrix=band_matrix,
        band_totals_new=[
            (band.value, str(band.label), sum(row[2][index][2] for row in band_matrix))
            for index, band in enumerate(BAND_ORDER)
        ],
        risers=[move(pk) for pk in risers],
        fallers=[move(pk) for pk in fallers],
        histogram_current=histogram_current,
        histogram_new=histogram_new,
    )
