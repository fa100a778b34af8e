"""The score of `triage/scoring.py` written in PostgreSQL's SQL: the twin the what-if preview runs.

Why it exists. The CIO's Preview on the scoring-model page scores the whole open queue under proposed weights
while the CIO waits: 100,000 open demands in 0.7 s (docs/benchmarks.md). Reading every demand's inputs into
Python and calling `scoring.score` on each would move every row out of the database and cost several times
that; here one statement gathers the inputs (triage/selectors/whatif.py) and scores them where they lie,
returning only each demand's total and band. Saving a model and rescoring for real does not use it: a stored
assessment keeps each component's points and explanation, so rescoring calls `scoring.score` itself, in
chunks (triage/services/rescoring.py). On SQLite (the embedded default) the what-if calls `scoring.score` too.

Why it is the same score. `scoring.py` is the definition; this file follows it step by step:
- What does not depend on the demand comes from scoring.py's own functions, as parameters (`score_sql_params`):
  log10 of the revenue bounds, each tier's points, each penalty's points, the band thresholds.
- What does depend on the demand is computed as `score` does it:
  - the IT cost in numeric, rounded half to even to the cent (core/money.py);
  - model v2's value parts in numeric: savings over the years rounded half to even to the cent, risk capped,
    and their sum with revenue, which the ROI sets against the IT cost;
  - the capped risk's share of the cap as float8 / float8 of the two amounts (each converted to the nearest
    double, as Python's float() does);
  - ROI divided to 40 decimal places before it becomes a float8 (Python divides to 28 significant digits;
    both round to the same double);
  - the logistic, log10 and the linear urgency and breadth in float8 (IEEE arithmetic, and the C library's
    exp and log10, which CPython's math module calls too);
  - each component's points in integer cents, rounded half up as `scoring._points` rounds
    weight × repr(normalized);
  - the total clamped to 0..100, the difference as the `adjustment` component, the band from the thresholds.
- tests/triage/test_scoring_sql.py is the proof, with Hypothesis on PostgreSQL. It draws demands' inputs,
  and a scoring model's weights and thresholds (any value `ScoringModel` accepts). It asserts that every
  component's points, the total and the band equal `scoring.score`'s to the cent, for every component key
  `scoring.COMPONENT_DRIVERS` names: a component added to the model without its SQL fails it.

Use: a statement defines a relation `scoring_input` (columns in `SCORING_INPUT_COLUMNS`, plus any of its own,
which are carried through), selects from `SCORE_SQL` the columns it needs (`SCORE_COLUMNS`) and passes
`score_sql_params(weights)`, in a transaction that first ran `SCORE_SQL_SETTINGS`.
"""

import math
from decimal import Decimal
from typing import Any

from core.money import cent_half_even_sql
from triage import scoring

# What `scoring_input` must hold per demand (the fields of scoring.ScoringInputs, the IT cost computed with
# `it_cost_sql`): value (revenue), savings_yearly, risk_avoided (exposure) and it_cost numeric in the base
# currency, asking integer, days integer or NULL, tier varchar or NULL, the three risk flags boolean, and the
# current disclosure plan's exposure covered and not covered numeric (0 without a plan).
SCORING_INPUT_COLUMNS = (
    "value",
    "savings_yearly",
    "risk_avoided",
    "it_cost",
    "asking",
    "days",
    "tier",
    "shares_ip",
    "exclusive",
    "security",
    "disclosure_covered",
    "disclosure_uncovered",
)
# Each component's points in cents, named by its key in `scoring.score`, then the total in cents and the band.
COMPONENT_COLUMNS = (
    "roi",
    "revenue",
    "savings",
    "risk",
    "breadth",
    "urgency",
    "strategic",
    "penalty_ip",
    "penalty_exclusive",
    "penalty_security",
    "penalty_disclosure",
    "adjustment",
)
SCORE_COLUMNS = (*COMPONENT_COLUMNS, "total", "band")

_IT_COST = cent_half_even_sql("({effort} * {day_rate} + {run_cost} * %(horizon_years)s::numeric)")


_SAVINGS_TOTAL = cent_half_even_sql("(savings_yearly * %(savings_years)s::numeric)")


def it_cost_sql(*, effort: str, day_rate: str, run_cost: str) -> str:
    """`scoring.it_cost_total` over three numeric SQL expressions (the model's horizon is a parameter)."""
    return _IT_COST.format(effort=effort, day_rate=day_rate, run_cost=run_cost)


# `scoring._points` in cents: round half up of (weight × the float's shortest decimal, what Python's repr
# prints and float8's text is with extra_float_digits = 1). `{y}` is that product in float8, weight in
# cents (an integer, so exact) times the float: within 3e-12 of the exact product, so unless it lies
# within 1e-9 of a half cent its float rounding is the exact one; near a half cent the exact decimal
# arithmetic decides.
_POINTS = (
    "CASE WHEN abs({y} - floor({y}) - 0.5) > 1e-9 THEN floor({y} + 0.5)::bigint "
    "ELSE (round(%({weight})s::numeric * {x}::text::numeric, 2) * 100)::bigint END"
)
# Components whose normalized value is a float computed per demand, as the column `<key>_normalized`:
# (key, weight field).
FLOAT_COMPONENTS = (
    ("roi", "weight_roi"),
    ("revenue", "weight_revenue"),
    ("savings", "weight_savings"),
    ("risk", "weight_risk"),
    ("breadth", "weight_breadth"),
    ("urgency", "weight_urgency"),
)


# scoring.disclosure_planned and scoring.disclosure_penalty (negative, in cents): numeric throughout, and
# PostgreSQL's round() of a positive numeric is scoring's half up.
_PLANNED = "disclosure_covered + disclosure_uncovered > 0"
_DISCLOSURE_CENTS = (
    "-(round(least(%(penalty_disclosure_cap)s::numeric, %(penalty_disclosure)s::numeric"
    " * (disclosure_covered + disclosure_uncovered * %(disclosure_uncovered_factor)s::numeric)), 2) * 100)::bigint"
)


def _points(key: str, weight: str) -> str:
    return _POINTS.format(y=f"{key}_y", x=f"{key}_normalized", weight=weight)


_FLOAT_SCALED = ", ".join(
    f"{key}_normalized * %({weight}_cents)s::float8 AS {key}_y" for key, weight in FLOAT_COMPONENTS
)
_FLOAT_POINTS = ",\n                   ".join(f"{_points(key, weight)} AS {key}" for key, weight in FLOAT_COMPONENTS)

# Each level is its own subquery, fenced with OFFSET 0 so the planner does not inline a column's expression
# into every place the next level uses it; `SELECT *` carries the caller's own columns through.
SCORE_SQL = f"""(
SELECT *, total - raw_total AS adjustment,
       CASE WHEN total >= %(fast_track_threshold)s::numeric * 100 THEN '{scoring.BAND_FAST_TRACK}'
            WHEN total >= %(review_threshold)s::numeric * 100 THEN '{scoring.BAND_REVIEW}'
            ELSE '{scoring.BAND_DECLINE}' END AS band
FROM (
    SELECT *, least(10000, greatest(0, raw_total)) AS total
    FROM (
        SELECT *, roi + revenue + savings + risk + breadth + urgency + strategic
                  + penalty_ip + penalty_exclusive + penalty_security + penalty_disclosure AS raw_total
        FROM (
            SELECT *, {_FLOAT_POINTS},
                   CASE tier WHEN 'strategic' THEN %(strategic_cents)s WHEN 'key' THEN %(key_cents)s
                             WHEN 'standard' THEN %(standard_cents)s ELSE 0 END AS strategic,
                   CASE WHEN shares_ip AND NOT (%(disclosure_valued)s AND {_PLANNED}) THEN %(penalty_ip_cents)s
                        ELSE 0 END AS penalty_ip,
                   CASE WHEN %(disclosure_valued)s AND {_PLANNED} THEN {_DISCLOSURE_CENTS} ELSE 0 END
                        AS penalty_disclosure,
                   CASE WHEN exclusive THEN %(penalty_exclusive_cents)s ELSE 0 END AS penalty_exclusive,
                   CASE WHEN security THEN %(penalty_security_cents)s ELSE 0 END AS penalty_security
            FROM (
                SELECT *, {_FLOAT_SCALED}
                FROM (
                    SELECT *,
                           CASE WHEN it_cost <= 0 THEN 1::float8 ELSE 1::float8 / (1::float8 + exp(greatest(
                               -700::float8, least(700::float8, -(%(roi_steepness)s::float8)
                               * ((((value_all - it_cost) + %(forty_places)s::numeric) / it_cost)::float8
                                  - %(roi_midpoint)s::float8))))) END AS roi_normalized,
                           CASE WHEN value <= 0 THEN 0::float8 ELSE least(1::float8, greatest(0::float8,
                               (log(value::float8) - %(revenue_low)s::float8)
                               / (%(revenue_high)s::float8 - %(revenue_low)s::float8))) END AS revenue_normalized,
                           CASE WHEN savings_total <= 0 THEN 0::float8 ELSE least(1::float8, greatest(0::float8,
                               (log(savings_total::float8) - %(revenue_low)s::float8)
                               / (%(revenue_high)s::float8 - %(revenue_low)s::float8))) END AS savings_normalized,
                           CASE WHEN %(risk_cap)s::numeric <= 0 THEN 0::float8
                                ELSE risk_capped::float8 / %(risk_cap)s::numeric::float8 END AS risk_normalized,
                           1::float8 - 1::float8 / greatest(1, asking)::float8 AS breadth_normalized,
                           CASE WHEN days IS NULL THEN 0::float8
                                WHEN days <= %(urgency_full_days)s THEN 1::float8
                                WHEN days >= %(urgency_zero_days)s THEN 0::float8
                                ELSE (%(urgency_zero_days)s::bigint - days)::float8
                                     / (%(urgency_zero_days)s::bigint - %(urgency_full_days)s::bigint)::float8
                           END AS urgency_normalized
                    FROM (
                        SELECT *, value + savings_total + risk_capped AS value_all
                        FROM (
                            SELECT *, {_SAVINGS_TOTAL} AS savings_total,
                                   least(risk_avoided, %(risk_cap)s::numeric) AS risk_capped
                            FROM scoring_input
                            OFFSET 0
                        ) AS parts
                        OFFSET 0
                    ) AS valued
                    OFFSET 0
                ) AS normalized
                OFFSET 0
            ) AS scaled
            OFFSET 0
        ) AS points
        OFFSET 0
    ) AS summed
    OFFSET 0
) AS clamped
)"""  # noqa: S608 (only the module's own constant fragments are formatted in; every value is a parameter)


def _cents(points: Decimal) -> int:
    return int(points * 100)


def score_sql_params(weights: scoring.ScoringWeights) -> dict[str, Any]:
    """The parameters of `SCORE_SQL` and `it_cost_sql` for a model's weights, from scoring.py's own functions."""
    return {
        "horizon_years": weights.horizon_years,
        "savings_years": weights.savings_years,
        "risk_cap": weights.risk_cap,
        "forty_places": Decimal("0E-40"),
        "roi_steepness": float(weights.roi_steepness),
        "roi_midpoint": float(weights.roi_midpoint),
        "revenue_low": math.log10(weights.revenue_floor),
        "revenue_high": math.log10(weights.revenue_ceiling),
        "urgency_full_days": weights.urgency_full_days,
        "urgency_zero_days": weights.urgency_zero_days,
        **{
            f"{tier}_cents": _cents(
                scoring._points(weights.weight_strategic, scoring.strategic_normalized(tier, weights))
            )
            for tier in ("strategic", "key", "standard")
        },
        # A penalty's points are its weight rounded to the cent, negative (as `score` lists them).
        **{
            f"{key}_cents": -_cents(getattr(weights, name).quantize(scoring.CENT))
            for key, name in (
                ("penalty_ip", "penalty_shares_ip"),
                ("penalty_exclusive", "penalty_exclusive"),
                ("penalty_security", "penalty_security"),
            )
        },
        # The float components' weights: exact (for a product near half a cent) and in cents as a float8.
        **{weight: getattr(weights, weight) for _, weight in FLOAT_COMPONENTS},
        **{f"{weight}_cents": float(_cents(getattr(weights, weight))) for _, weight in FLOAT_COMPONENTS},
        "disclosure_valued": scoring.disclosure_valued(weights),
        "penalty_disclosure": weights.penalty_disclosure,
        "penalty_disclosure_cap": weights.penalty_disclosure_cap,
        "disclosure_uncovered_factor": weights.disclosure_uncovered_factor,
        "fast_track_threshold": weights.fast_track_threshold,
        "review_threshold": weights.review_threshold,
    }


# The floats' text must be their shortest exact decimal, as Python's repr prints: 1 is PostgreSQL's default
# since version 12, set here so that a server configured otherwise cannot change a score.
SCORE_SQL_SETTINGS = "SET LOCAL extra_float_digits = 1"
