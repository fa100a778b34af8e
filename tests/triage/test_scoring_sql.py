"""The SQL twin of the score (triage/scoring_sql.py) gives `scoring.score`'s points, total and band, to the cent.

Hypothesis draws a scoring model (any weights and thresholds `ScoringModel` accepts) and a batch of demands'
inputs; PostgreSQL scores the batch in one statement, and every component's points, the total and the band
must be `scoring.score`'s. The components compared are the model's own list (`scoring.COMPONENT_DRIVERS`), so a
component added to the model is compared as soon as it exists, and fails here until the SQL computes it.
"""

from dataclasses import fields as dataclass_fields
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.triage.strategies import inputs, scoring_inputs, scoring_weights
from triage import scoring
from triage.scoring_sql import (
    COMPONENT_COLUMNS,
    FLOAT_COMPONENTS,
    SCORE_COLUMNS,
    SCORE_SQL,
    SCORE_SQL_SETTINGS,
    SCORING_INPUT_COLUMNS,
    it_cost_sql,
    score_sql_params,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Each field of ScoringInputs as a column of the batch (`provisional` only labels a score, it moves no point).
INPUT_COLUMNS = {
    "value": "numeric",
    "savings_yearly": "numeric",
    "risk_avoided": "numeric",
    "effort_days": "numeric",
    "day_rate": "numeric",
    "yearly_run_cost": "numeric",
    "customers_asking": "integer",
    "days_until_desired": "integer",
    "customer_tier": "varchar",
    "shares_ip": "boolean",
    "exclusive": "boolean",
    "security": "boolean",
    "disclosure_covered": "numeric",
    "disclosure_uncovered": "numeric",
}
# `provisional` only labels a score and `disclosure_items` explains the two sums: they move no point.
UNSCORED_INPUTS = {"provisional", "disclosure_items"}

# Besides the points, total and band: the IT cost and each normalized value the SQL computes per demand,
# compared exactly (a float's last bit included), so a difference shows before it moves a cent.
NORMALIZED = tuple(f"{key}_normalized" for key, _ in FLOAT_COMPONENTS)
COMPARED = (*SCORE_COLUMNS, "it_cost", *NORMALIZED)

BATCH_SQL = f"""
WITH scoring_input AS (
    SELECT ordinality AS id, value, savings_yearly, risk_avoided,
           {it_cost_sql(effort="effort_days", day_rate="day_rate", run_cost="yearly_run_cost")} AS it_cost,
           customers_asking AS asking, days_until_desired AS days, customer_tier AS tier, shares_ip, exclusive,
           security, disclosure_covered, disclosure_uncovered
    FROM unnest({", ".join(f"%({name})s::{kind}[]" for name, kind in INPUT_COLUMNS.items())})
         WITH ORDINALITY AS batch ({", ".join(INPUT_COLUMNS)}, ordinality)
)
SELECT {", ".join(COMPARED)} FROM {SCORE_SQL} AS scored ORDER BY id
"""  # noqa: S608 (constant fragments only; every value is a parameter)


def scored_in_sql(batch: list[scoring.ScoringInputs], weights: scoring.ScoringWeights) -> list[dict]:
    """Each demand's points per component, total (cents), band, IT cost and normalized values, in one statement."""
    params = {name: [getattr(inputs, name) for inputs in batch] for name in INPUT_COLUMNS}
    # One round trip: the setting lasts until the test's transaction ends, which is all it needs to.
    with connection.cursor() as cursor:
        cursor.execute(f"{SCORE_SQL_SETTINGS}; {BATCH_SQL}", {**score_sql_params(weights), **params})
        return [dict(zip(COMPARED, row, strict=True)) for row in cursor.fetchall()]


def scored_in_python(inputs: scoring.ScoringInputs, weights: scoring.ScoringWeights) -> dict:
    """The same from `scoring.score`: a component it does not list (a penalty not declared) has no points."""
    result = scoring.score(inputs, weights)
    points = {component.key: int(component.points * 100) for component in result.components}
    unknown = set(points) - set(COMPONENT_COLUMNS)
    assert not unknown, f"scoring.score lists components the SQL twin does not compute: {sorted(unknown)}"
    normalized = {f"{component.key}_normalized": component.normalized for component in result.components}
    # A value part the model does not value (no savings years, no risk cap) is not listed: its share is 0.
    normalized.update({f"{part.key}_normalized": 0.0 for part in scoring.VALUE_PARTS if not part.is_valued(weights)})
    return {
        **{key: points.get(key, 0) for key in COMPONENT_COLUMNS},
        "total": int(result.total * 100),
        "band": result.band,
        "it_cost": result.it_cost,
        **{name: normalized[name] for name in NORMALIZED},
    }


def test_the_sql_twin_computes_every_component_of_the_model_from_every_input():
    assert set(COMPONENT_COLUMNS) == set(scoring.COMPONENT_DRIVERS)
    scored_fields = {field.name for field in dataclass_fields(scoring.ScoringInputs)} - UNSCORED_INPUTS
    assert set(INPUT_COLUMNS) == scored_fields
    # The batch's columns, once renamed and costed, are the ones the twin reads.
    assert {
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
    } == set(SCORING_INPUT_COLUMNS)


V1 = scoring.ScoringWeights()
V2 = replace(V1, **scoring.V2_CHANGES)
# An internal unit's demand: no revenue, 40,000 a year saved and 300,000 of exposure avoided.
INTERNAL_CASE = inputs(value=Decimal("0"), savings_yearly=Decimal("40000"), risk_avoided=Decimal("300000"))
# The first v1 example from DESIGN.md's arithmetic (tests/triage/test_scoring.py: 52.08).
DESIGN_CASE = inputs(security=True)
# A weight of one cent times a normalized 0.5 is exactly half a cent: the exact decimal path rounds it up.
V3 = replace(V2, **scoring.V3_CHANGES)
# Issue 18's hand-computed plans: core source with modification rights, likely competitor, covered (15.00);
# non-core binaries, medium risk, expired agreement (1.0125 → 1.01); several items over the cap (30.00).
PLAN_CASES = [
    replace(DESIGN_CASE, shares_ip=True, disclosure_covered=Decimal("1.0")),
    replace(DESIGN_CASE, disclosure_uncovered=Decimal("0.045")),
    replace(DESIGN_CASE, shares_ip=True, disclosure_covered=Decimal("1.7"), disclosure_uncovered=Decimal("0.7")),
]
HALF_CENT = replace(
    V1, weight_breadth=Decimal("0.01"), weight_urgency=Decimal("0.01"), urgency_full_days=0, urgency_zero_days=4
)
HALF_CENT_CASE = replace(DESIGN_CASE, customers_asking=2, days_until_desired=2, provisional=False)


# Passing takes 10 to 20 s on a busy 2-core machine. A failure first shrinks to the smallest case it can
# find, which can take Hypothesis its five minutes: the timeout leaves it the time to print that case.
@pytest.mark.timeout(420)
@settings(max_examples=250, derandomize=True, deadline=None)
@given(weights=scoring_weights(), batch=st.lists(scoring_inputs(), min_size=1, max_size=12))
@example(weights=V1, batch=[DESIGN_CASE])
@example(weights=HALF_CENT, batch=[HALF_CENT_CASE, replace(HALF_CENT_CASE, days_until_desired=None)])
# An urgency range of two billion days: the SQL once tabulated every day of the range in Python first.
@example(weights=replace(V1, urgency_zero_days=2_147_483_647), batch=[replace(DESIGN_CASE, days_until_desired=900)])
# Clamped at both ends: the adjustment line is a component too.
@example(
    weights=replace(V1, penalty_shares_ip=Decimal("100"), weight_roi=Decimal("100"), weight_revenue=Decimal("100")),
    batch=[replace(DESIGN_CASE, shares_ip=True, exclusive=True), replace(DESIGN_CASE, value=Decimal("99999999"))],
)
# Model v2: savings and risk valued; savings ending on half a cent over 2.5 years; risk beyond the cap.
@example(weights=V2, batch=[INTERNAL_CASE, DESIGN_CASE, replace(INTERNAL_CASE, risk_avoided=Decimal("5000000"))])
@example(
    weights=replace(V2, savings_years=Decimal("2.5")),
    batch=[replace(INTERNAL_CASE, savings_yearly=Decimal("0.01")), replace(INTERNAL_CASE, value=Decimal("1"))],
)
# Model v3: a plan replaces the flat penalty; v2 keeps the flat penalty for the same plans.
@example(weights=V3, batch=[*PLAN_CASES, replace(DESIGN_CASE, shares_ip=True)])
@example(weights=V2, batch=PLAN_CASES)
def test_every_component_total_and_band_in_sql_are_those_of_score_to_the_cent(weights, batch):
    assert scored_in_sql(batch, weights) == [scored_in_python(inputs, weights) for inputs in batch]
