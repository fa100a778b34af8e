"""Scoring cases: Hypothesis strategies for a scoring model's weights and for a demand's inputs, and `inputs()`.

The weights are drawn from `ScoringModel` itself: every field of `ScoringWeights` within what its model field
accepts (digits, decimal places, validators), ordered as the model's check constraints demand. A weight a
later model version adds is drawn without a change here; an input `ScoringInputs` gains needs a line in
`INPUT_STRATEGIES` (a test says so).
"""

from dataclasses import fields as dataclass_fields
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from hypothesis import assume
from hypothesis import strategies as st

from intake.choices import CustomerTier
from triage import scoring
from triage.models import ScoringModel


def model_field_values(field: models.Field) -> st.SearchStrategy:
    """Any value a model field accepts: its digits and decimal places, within its validators' bounds."""
    if isinstance(field, models.DecimalField):
        places = field.decimal_places
        largest = Decimal(10) ** (field.max_digits - places) - Decimal(1).scaleb(-places)
        low, high = -largest, largest
    elif isinstance(field, models.IntegerField):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
    else:
        raise TypeError(f"no strategy for {field.name} ({type(field).__name__}): add one to tests/triage/strategies.py")
    for validator in field.validators:
        if isinstance(validator, MinValueValidator):
            low = max(low, validator.limit_value)
        elif isinstance(validator, MaxValueValidator):
            high = min(high, validator.limit_value)
    if isinstance(field, models.DecimalField):
        return st.decimals(min_value=low, max_value=high, places=field.decimal_places)
    return st.integers(min_value=low, max_value=high)


def _ordered_pairs() -> list[tuple[str, str, bool]]:
    """(lower field, higher field, strictly) for each check constraint of the form `a__gt(e)=F(b)`."""
    pairs = []
    for constraint in ScoringModel._meta.constraints:
        if not isinstance(constraint, models.CheckConstraint):
            continue
        ((lookup, other),) = constraint.condition.children
        higher, operator = lookup.rsplit("__", 1)
        if not isinstance(other, models.F) or operator not in ("gt", "gte"):
            raise TypeError(f"{constraint.name}: teach tests/triage/strategies.py to draw weights that satisfy it")
        pairs.append((other.name, higher, operator == "gt"))
    return pairs


@st.composite
def scoring_weights(draw: st.DrawFn) -> scoring.ScoringWeights:
    """A scoring model's weights and thresholds that `ScoringModel` would save."""
    values = {
        name: draw(model_field_values(ScoringModel._meta.get_field(name)), label=name)
        for name in ScoringModel.WEIGHT_FIELDS
    }
    for lower, higher, strictly in _ordered_pairs():
        values[lower], values[higher] = sorted((values[lower], values[higher]))
        if strictly:
            assume(values[lower] < values[higher])
    ScoringModel(version=1, **values).full_clean(validate_unique=False, validate_constraints=False)
    return scoring.ScoringWeights(**values)


def inputs(**overrides) -> scoring.ScoringInputs:
    """A key customer's demand worth 100,000 against 35,000 of IT cost, due in 30 days; any field overridden."""
    fields = {
        "value": Decimal("100000"),
        "effort_days": Decimal("20"),
        "day_rate": Decimal("1000"),
        "yearly_run_cost": Decimal("5000"),
        "customers_asking": 1,
        "days_until_desired": 30,
        "customer_tier": "key",
        "shares_ip": False,
        "exclusive": False,
        "security": False,
        "provisional": True,
    }
    fields.update(overrides)
    return scoring.ScoringInputs(**fields)


def _money(places: int = 2, largest: int = 10**12) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=largest, places=places)


# One strategy per field of ScoringInputs: amounts as the database holds them (two decimal places, effort one),
# from nothing to beyond any real demand; dates from far past to far future, or none.
INPUT_STRATEGIES: dict[str, st.SearchStrategy] = {
    "value": _money(largest=10**13),
    "savings_yearly": st.one_of(st.just(Decimal("0")), _money(largest=10**14)),
    "risk_avoided": st.one_of(st.just(Decimal("0")), _money(largest=10**10)),
    "effort_days": _money(places=1, largest=10**7),
    "day_rate": _money(largest=10**8),
    "yearly_run_cost": _money(),
    "customers_asking": st.one_of(st.integers(1, 120), st.integers(1, 10**6)),
    "days_until_desired": st.one_of(st.none(), st.integers(-400, 800), st.integers(-(10**6), 3 * 10**6)),
    "customer_tier": st.sampled_from([None, *CustomerTier.values]),
    "shares_ip": st.booleans(),
    "exclusive": st.booleans(),
    "security": st.booleans(),
    "provisional": st.booleans(),
    # A plan's exposure sums (products of partners.choices' factors, four decimal places at most per item).
    "disclosure_covered": st.one_of(st.just(Decimal("0")), st.decimals(min_value=0, max_value=50, places=4)),
    "disclosure_uncovered": st.one_of(st.just(Decimal("0")), st.decimals(min_value=0, max_value=50, places=4)),
    "disclosure_items": st.just(()),  # explains the sums; no point depends on it
}


def scoring_inputs() -> st.SearchStrategy[scoring.ScoringInputs]:
    """One demand's inputs to the score."""
    missing = {field.name for field in dataclass_fields(scoring.ScoringInputs)} - set(INPUT_STRATEGIES)
    assert not missing, f"ScoringInputs gained {sorted(missing)}: add a strategy to INPUT_STRATEGIES"
    return st.builds(scoring.ScoringInputs, **INPUT_STRATEGIES)
